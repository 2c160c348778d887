// Deposit and withdraw on one's own account page: the server prepares the transaction
// (approveAndCall on RLC, or withdraw on the hub) and the wallet sends it.
(function () {
  "use strict";
  const W = window.PocoWallet;
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-stake-form]");
    if (!form) return;
    event.preventDefault();
    const button = event.submitter;
    const action = button && button.value === "withdraw" ? "withdraw" : "deposit";
    W.busy(button, async () => {
      const amount = new FormData(form).get("amount");
      const { tx } = await W.post(`/tx/${action}`, { amount: amount });
      await W.send(tx, action === "deposit" ? `Deposit of ${amount} RLC` : `Withdrawal of ${amount} RLC`);
      form.reset();
    });
  });
})();
