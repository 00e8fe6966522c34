/*
 * console_api over fetch: JSON in and out, the session's bearer token in a header (never a cookie),
 * errors as ApiError carrying the API's {"error", "message", "field"}.
 */

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.kind = (body && body.error) || (status === 0 ? "network" : "http");
    this.field = (body && body.field) || "";
  }
}

/** The API's base URL: config.js's apiBase, else the page's <meta name="charla-api-base">, else same origin. */
export function apiBase(config, doc = document) {
  const meta = doc.querySelector('meta[name="charla-api-base"]');
  const chosen = config.apiBase || (meta && meta.content) || "/console_api";
  return chosen.replace(/\/+$/, "");
}

export class Api {
  /**
   * @param {string} base e.g. "/console_api"
   * @param {() => string} token the current session token ("" when signed out)
   * @param {(error: ApiError) => void} onSignedOut called when a call is refused for want of a session
   */
  constructor(base, token, onSignedOut) {
    this.base = base;
    this.token = token;
    this.onSignedOut = onSignedOut;
  }

  url(path, query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.base}${path}${search ? `?${search}` : ""}`;
  }

  headers(json) {
    const headers = {};
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  }

  async request(method, path, {query, body, signal} = {}) {
    let response;
    try {
      response = await fetch(this.url(path, query), {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
      });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError(0, {message: String(error && error.message ? error.message : error)});
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = {message: text};
    }
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      if (response.status === 401 && path !== "/login") this.onSignedOut(error);
      throw error;
    }
    return data;
  }

  get(path, query, options = {}) {
    return this.request("GET", path, {...options, query});
  }

  post(path, body = {}) {
    return this.request("POST", path, {body});
  }

  put(path, body = {}) {
    return this.request("PUT", path, {body});
  }

  patch(path, body = {}) {
    return this.request("PATCH", path, {body});
  }

  delete(path) {
    return this.request("DELETE", path);
  }

  /**
   * Downloads a file the API answers (a CSV report): the token must travel in a header, so a plain link
   * cannot fetch it; the answer becomes a blob the browser saves under `filename`.
   */
  async download(path, query, filename) {
    const blob = await this.blob(path, query);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  /** A file the API answers (a report, a customer's stored picture), as a Blob of the type it was served as. */
  async blob(path, query) {
    const response = await fetch(this.url(path, query), {headers: this.headers(false), cache: "no-store"});
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      if (response.status === 401) this.onSignedOut(new ApiError(401, body));
      throw new ApiError(response.status, body);
    }
    return response.blob();
  }
}
