/*
 * Live inbox updates by long polling: GET /inbox?view=…&since=CURSOR&wait=20 answers as soon as a
 * conversation of the view changes (or empty after 20 s). One loop always follows the user's own chats
 * ("assigned": it drives the unread count in the tab's title and the notifications); a second follows
 * the view on screen when it is another one. Each answer is told as a "change" event (an empty one after
 * the wait too: see loop); the counts of every view are then read again and told as "counts".
 */

const WAIT_S = 20;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15000;

export class InboxFeed extends EventTarget {
  /**
   * @param {import("./api.js").Api} api
   * @param {string[]} views the views the user has (assigned, invited, queued and, for supervisors, all)
   * @param {(changed: object[]) => void} onNewMessages told the user's chats that brought new messages
   */
  constructor(api, views, onNewMessages) {
    super();
    this.api = api;
    this.views = views;
    this.onNewMessages = onNewMessages;
    this.counts = Object.fromEntries(views.map((view) => [view, {conversations: 0, unread: 0}]));
    this.unreadOf = new Map(); // conversation id → unread, for the user's own chats
    this.loops = new Map(); // view → AbortController
    this.watched = "";
    this.running = false;
    this.countsPending = null;
  }

  start() {
    this.running = true;
    this.follow("assigned");
  }

  stop() {
    this.running = false;
    for (const controller of this.loops.values()) controller.abort();
    this.loops.clear();
  }

  /** The view on screen is followed too (the user's own chats are followed always). */
  watch(view) {
    if (view === this.watched) return;
    if (this.watched && this.watched !== "assigned") this.unfollow(this.watched);
    this.watched = view;
    if (this.running && view !== "assigned") this.follow(view);
  }

  /** The user has read a conversation (POST /read does not change it for the long poll). */
  markedRead(conversationId) {
    if (this.unreadOf.has(conversationId)) this.unreadOf.set(conversationId, 0);
    this.refreshCounts();
  }

  follow(view) {
    if (this.loops.has(view)) return;
    const controller = new AbortController();
    this.loops.set(view, controller);
    this.loop(view, controller.signal);
  }

  unfollow(view) {
    const controller = this.loops.get(view);
    if (controller) controller.abort();
    this.loops.delete(view);
  }

  async loop(view, signal) {
    let cursor = "";
    let retryMs = RETRY_MIN_MS;
    while (this.running && !signal.aborted) {
      try {
        const answer = cursor
          ? await this.api.get("/inbox", {view, since: cursor, wait: WAIT_S, limit: 200}, {signal})
          : await this.api.get("/inbox", {view, limit: 200}, {signal});
        const first = !cursor;
        cursor = answer.cursor;
        retryMs = RETRY_MIN_MS;
        if (view === "assigned") this.noticeNewMessages(answer.conversations, first);
        // Told even when only `left` names conversations (resolved, transferred, taken by someone else): the
        // views read their lists again and drop them at once.
        this.dispatchEvent(new CustomEvent("change", {detail: {view, conversations: answer.conversations}}));
        this.refreshCounts();
      } catch (error) {
        if (signal.aborted || (error && error.name === "AbortError")) return;
        if (error && error.status === 401) return; // signed out: the app goes back to the sign-in
        await pause(retryMs, signal);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  noticeNewMessages(conversations, first) {
    const grown = [];
    for (const row of conversations) {
      const before = this.unreadOf.get(row.conversation_id);
      if (!first && row.unread > 0 && (before === undefined || row.unread > before)) grown.push(row);
      this.unreadOf.set(row.conversation_id, row.unread);
    }
    if (grown.length) this.onNewMessages(grown);
  }

  /** Reads every view's size and unread total again; calls close together share one reading. */
  refreshCounts() {
    if (this.countsPending) return this.countsPending;
    this.countsPending = (async () => {
      await Promise.resolve();
      try {
        const answers = await Promise.all(this.views.map((view) => this.api.get("/inbox", {view, limit: 200})));
        this.views.forEach((view, index) => {
          this.counts[view] = {conversations: answers[index].conversations.length, unread: answers[index].unread};
        });
        this.dispatchEvent(new CustomEvent("counts", {detail: this.counts}));
      } catch {
        // The next change reads them again.
      } finally {
        this.countsPending = null;
      }
    })();
    return this.countsPending;
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, {once: true});
  });
}
