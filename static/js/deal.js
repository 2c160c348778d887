// Claim a deal's tasks that passed their final deadline unfinished: the wallet sends the
// claim the server prepared (initializeAndClaimArray for tasks never initialized).
(function () {
  "use strict";
  const W = window.PocoWallet;
  const list = (text) => (text ? text.split(",").map(Number) : []);
  // The server prepares at most this many claims per transaction (views_tx.MAX_CLAIM_TASKS).
  const BATCH = 200;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-claim]");
    if (!button) return;
    W.busy(button, async () => {
      const dealid = button.dataset.dealid;
      for (const [name, indices] of [["initialized", list(button.dataset.initialized)], ["uninitialized", list(button.dataset.uninitialized)]]) {
        for (let start = 0; start < indices.length; start += BATCH) {
          const batch = indices.slice(start, start + BATCH);
          const { tx } = await W.post("/tx/claim", { dealid: dealid, [name]: batch });
          await W.send(tx, `Claim of ${batch.length} task(s)`);
        }
      }
      W.notice("Claimed: the tasks turn FAILED and the requester is refunded once the block is indexed.");
    });
  });
})();
