// An owner's orders on an asset or pool page: publish (the wallet signs the order the server
// drafted), unpublish from the book, or cancel on chain (the wallet sends manage<X>Order).
(function () {
  "use strict";
  const W = window.PocoWallet;

  function refreshOrders() {
    document.body.dispatchEvent(new CustomEvent("live-resync", { bubbles: true }));
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-publish-form]");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    W.busy(button, async () => {
      const fields = new FormData(form);
      const draft = {
        kind: form.dataset.kind,
        asset: form.dataset.asset,
        price: fields.get("price"),
        volume: fields.get("volume"),
        tags: fields.getAll("tag"),
      };
      for (const name of ["requesterrestrict", "workerpoolrestrict", "apprestrict", "datasetrestrict"]) {
        if (fields.get(name)) draft[name] = fields.get(name);
      }
      for (const name of ["category", "trust"]) {
        if (fields.get(name) !== null) draft[name] = fields.get(name);
      }
      const prepared = await W.post("/orders/prepare", draft);
      W.notice("Sign the order in your wallet.");
      const sign = await W.signTypedData(prepared.typedData);
      const { published } = await W.post("/orders/publish", {
        kind: form.dataset.kind,
        order: Object.assign({}, prepared.order, { sign: sign }),
      });
      W.notice(`Order ${published.orderHash} published: ${published.remaining} tasks on the book.`);
      refreshOrders();
    });
  });

  document.addEventListener("click", (event) => {
    const unpublish = event.target.closest("[data-unpublish]");
    if (unpublish) {
      W.busy(unpublish, async () => {
        await W.post("/orders/unpublish", { kind: unpublish.dataset.kind, orderHash: unpublish.dataset.unpublish });
        W.notice("Order unpublished: it left the book (it can still be matched on chain by whoever holds it; cancel it on chain to prevent that).");
        refreshOrders();
      });
    }
    const cancel = event.target.closest("[data-cancel]");
    if (cancel) {
      W.busy(cancel, async () => {
        const { tx } = await W.post("/tx/cancel", { kind: cancel.dataset.kind, orderHash: cancel.dataset.cancel });
        await W.send(tx, "Cancel on chain");
        W.notice("Order canceled on chain: the book updates once the block is indexed.");
      });
    }
  });
})();
