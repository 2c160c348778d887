// The store's publish flow: deploy a new app or dataset (the server prepares createApp or
// createDataset, the wallet sends it, the page follows it) or claim one already on chain; either
// way the owner personal-signs the claim and lands on the entry's edit page.
(function () {
  "use strict";
  const W = window.PocoWallet;

  async function claim(kind, address, into) {
    const { message } = await W.get(`/store/claim/message?kind=${kind}&address=${address}`);
    const from = await W.connect();
    W.notice("Sign the claim in your wallet: it proves you own the asset.");
    const hex = "0x" + Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, "0")).join("");
    const signature = await W.request("personal_sign", [hex, from]);
    const claimed = await W.post("/store/claim", { kind: kind, address: address, signature: signature, into: into || "" });
    location.href = claimed.edit;
  }

  document.addEventListener("submit", (event) => {
    const deploy = event.target.closest("[data-deploy-form]");
    if (deploy) {
      event.preventDefault();
      const button = deploy.querySelector("button[type=submit]");
      W.busy(button, async () => {
        const fields = Object.fromEntries(new FormData(deploy).entries());
        const prepared = await W.post("/store/deploy", fields);
        await W.send(prepared.tx, `Deployment of ${fields.name}`);
        await claim(fields.kind, prepared.address, deploy.dataset.into);
      });
      return;
    }
    const form = event.target.closest("[data-claim-form]");
    if (form) {
      event.preventDefault();
      const fields = new FormData(form);
      W.busy(form.querySelector("button[type=submit]"), () => claim(fields.get("kind"), fields.get("address"), form.dataset.into));
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-claim-address]");
    if (button) W.busy(button, () => claim(button.dataset.claimKind, button.dataset.claimAddress, button.dataset.into));
  });
})();
