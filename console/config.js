/*
 * Where the console finds its API and what it shows as the workspace's brand. The local stack serves
 * this file as it is (the API on the same origin at /console_api); a bucket deployment replaces it
 * with the function's URL, e.g. apiBase: "https://REGION-PROJECT.cloudfunctions.net/console_api".
 * A <meta name="charla-api-base"> in index.html, when set, is used if apiBase is empty.
 */
export const CONFIG = {
  apiBase: "",
  workspaceName: "Charla",
  logo: "logo.svg",
};
