/*
 * The signed-in user: the token console_api gave at sign-in and who it is for. Kept in sessionStorage,
 * so a reload keeps the session but closing the tab ends it here (the API also ends it after 12 hours
 * or when the same user signs in elsewhere).
 */

const STORAGE_KEY = "charla.console.session";
const RANK = {agent: 1, supervisor: 2, admin: 3};

export class Session {
  constructor() {
    this.user = null;
    try {
      const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      if (kept && kept.token && new Date(kept.expires_at) > new Date()) this.user = kept;
    } catch {
      this.user = null;
    }
  }

  get token() {
    return this.user ? this.user.token : "";
  }

  get signedIn() {
    return Boolean(this.user);
  }

  /** What POST /login answered: token, expires_at, workspace_id, agent_id, role, name. */
  begin(login) {
    this.user = login;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(login));
  }

  end() {
    this.user = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** Whether the user's role is `role` or above (agent < supervisor < admin), as the API checks it. */
  atLeast(role) {
    return Boolean(this.user) && (RANK[this.user.role] || 0) >= RANK[role];
  }
}
