// Buying the quoted compute: the server drafts a request order at the quoted prices, the wallet
// signs it, the server publishes it, then the wallet sends matchOrders for the quoted orders and
// the page follows the new deal.
(function () {
  "use strict";
  const W = window.PocoWallet;

  function formObject(form) {
    const data = new FormData(form);
    const out = {};
    for (const [name, value] of data.entries()) {
      if (name === "tags") (out.tags = out.tags || []).push(value);
      else out[name] = value;
    }
    return out;
  }

  // The search finds a transaction's deal once the indexer has stored it, and redirects there.
  async function dealPage(txHash) {
    for (let i = 0; i < 240; i++) {
      const answer = await fetch(`/search?q=${txHash}`, { credentials: "same-origin" });
      if (answer.ok && answer.redirected) return answer.url;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`The deal of ${txHash} is not indexed yet: find it later in My deals.`);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-buy]");
    if (!button) return;
    W.busy(button, async () => {
      const form = document.getElementById("quote-form");
      const prepared = await W.post("/quote/request", formObject(form));
      W.notice("Sign the request order in your wallet.");
      const sign = await W.signTypedData(prepared.typedData);
      const { published } = await W.post("/orders/publish", {
        kind: "requestorder",
        order: Object.assign({}, prepared.order, { sign: sign }),
      });
      const match = Object.assign({}, prepared.match, { requestorder: published.orderHash });
      const { tx } = await W.post("/tx/match", match);
      const receipt = await W.send(tx, "matchOrders");
      W.notice("Deal made: opening it once indexed…");
      location.href = await dealPage(receipt.transactionHash);
    });
  });
})();
