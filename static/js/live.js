// Live updates: one websocket per topic the page lists in <body data-live-topics>. Each burst of
// events becomes one `live-<topic>` event on <body> (detail.keys: the ids that changed), which htmx
// regions listen to (hx-trigger="live-orders from:body") and refetch themselves by. After a
// reconnect the client asks for what it missed (since=<last id>); if too much was missed, or
// on the first reconnect, every region re-syncs (`live-resync`). #live-status shows the state.
(function () {
  "use strict";
  const body = document.body;
  const topics = (body.dataset.liveTopics || "").split(/\s+/).filter(Boolean);
  const chainId = body.dataset.chainId;
  const status = document.getElementById("live-status");
  if (!topics.length || !chainId) return;

  const sockets = {};
  const states = {};
  // Events after the page was rendered are caught up on the first connection too.
  const renderedAt = body.dataset.liveSince ? Number(body.dataset.liveSince) : null;
  const setState = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  };
  const allOpen = () => topics.every((t) => sockets[t] && sockets[t].readyState === WebSocket.OPEN);

  function fire(name, detail) {
    body.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }));
  }

  function connect(topic, attempt) {
    const state = states[topic] || (states[topic] = { last: renderedAt, pending: [], timer: null });
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const since = state.last === null ? "" : "?since=" + state.last;
    const ws = new WebSocket(`${proto}://${location.host}/ws/live/${chainId}/${topic}${since}`);
    sockets[topic] = ws;
    ws.onopen = () => {
      if (state.last !== null && attempt > 0) fire("live-resync", { topic: topic });
      attempt = 0;
      if (allOpen()) setState("live", "live");
    };
    ws.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.name === "resync") { fire("live-resync", { topic: topic }); return; }
      state.last = event.id;
      state.pending.push(event);
      // Coalesce a burst (one indexed batch) into a single refresh, fired at its end.
      clearTimeout(state.timer);
      state.timer = setTimeout(() => {
        const events = state.pending.splice(0);
        // keys: the ids an event is about (a task's event names its deal too).
        const keys = events.flatMap((e) => [e.key, e.data && e.data.dealid]).filter(Boolean);
        fire("live-" + topic, { keys: keys, events: events });
        // A region about one id (data-live-key) gets `live-<topic>-key` only when the burst names
        // that id: an htmx event filter ([detail.keys…]) would need eval, which the CSP refuses.
        document.querySelectorAll("[data-live-key]").forEach((region) => {
          if (keys.includes(region.dataset.liveKey)) {
            region.dispatchEvent(new CustomEvent("live-" + topic + "-key", { detail: { keys: keys } }));
          }
        });
      }, 60);
    };
    ws.onclose = () => {
      setState(navigator.onLine === false ? "offline" : "reconnecting", "reconnecting…");
      const delay = Math.min(10000, 500 * 2 ** attempt);
      setTimeout(() => connect(topic, attempt + 1), delay);
    };
  }

  topics.forEach((topic) => connect(topic, 0));
  setState("connecting", "connecting…");
  window.addEventListener("online", () => setState("reconnecting", "reconnecting…"));
})();
