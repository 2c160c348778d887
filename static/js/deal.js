// Claim a deal's tasks that passed their final deadline unfinished: the wallet sends the
// claim the server prepared (initializeAndClaimArray for tasks never initialized).
(function () {
  "use strict";
  const W = window.PocoWallet;
  const list = (text) => (text ? text.split(",").map(Number) : []);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-claim]");
    if (!button) return;
    W.busy(button, async () => {
      const dealid = button.dataset.dealid;
      for (const [name, indices] of [["initialized", list(button.dataset.initialized)], ["uninitialized", list(button.dataset.uninitialized)]]) {
        if (!indices.length) continue;
        const { tx } = await W.post("/tx/claim", { dealid: dealid, [name]: indices });
        await W.send(tx, `Claim of ${indices.length} task(s)`);
      }
      W.notice("Claimed: the tasks turn FAILED and the requester is refunded once the block is indexed.");
    });
  });
})();
