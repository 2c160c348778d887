// The browser wallet (any EIP-1193 provider at window.ethereum), shared by the pages that call
// it: sign-in with Ethereum (the server writes the EIP-4361 message), typed-data signatures,
// and transactions the server prepared. Nothing here holds a key.
(function () {
  "use strict";
  const body = document.body;
  const csrf = () => JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";

  function notice(text, kind) {
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text;
    box.dataset.kind = kind || "info";
    box.hidden = !text;
  }

  function provider() {
    if (!window.ethereum) {
      throw new Error("No wallet found: install an EIP-1193 browser wallet (for example MetaMask).");
    }
    return window.ethereum;
  }

  async function request(method, params) {
    return provider().request({ method: method, params: params || [] });
  }

  async function connect() {
    const [address] = await request("eth_requestAccounts");
    const wanted = "0x" + Number(body.dataset.chainId).toString(16);
    const current = await request("eth_chainId");
    if (body.dataset.chainId && Number(current) !== Number(wanted)) {
      await request("wallet_switchEthereumChain", [{ chainId: wanted }]);
    }
    return address;
  }

  async function call(url, options) {
    const answer = await fetch(url, Object.assign({
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
    }, options || {}));
    let data = null;
    try { data = await answer.json(); } catch (e) { /* not JSON: reported below */ }
    if (!answer.ok || !data || data.ok === false) {
      throw new Error((data && data.error) || `The server answered ${answer.status}.`);
    }
    return data;
  }

  const post = (url, payload) => call(url, { method: "POST", body: JSON.stringify(payload || {}) });
  const get = (url) => call(url, { method: "GET" });

  function hexUtf8(text) {
    return "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function signIn() {
    const address = await connect();
    const { message } = await get("/auth/message?address=" + encodeURIComponent(address));
    notice("Sign the message in your wallet to sign in (it sends no transaction).");
    const signature = await request("personal_sign", [hexUtf8(message), address]);
    await post("/auth/verify", { message: message, signature: signature });
    location.reload();
  }

  async function signTypedData(typed) {
    const address = await connect();
    return request("eth_signTypedData_v4", [address, JSON.stringify(typed)]);
  }

  async function receipt(hash, timeoutMs) {
    const deadline = Date.now() + (timeoutMs || 180000);
    for (;;) {
      const found = await request("eth_getTransactionReceipt", [hash]);
      if (found) {
        if (Number(found.status) !== 1) throw new Error(`Transaction ${hash} reverted.`);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`Transaction ${hash} is not mined yet.`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // Sends a transaction the server prepared ({to, data, value, chainId}) and waits for it.
  async function send(prepared, what) {
    const from = await connect();
    notice(`Confirm ${what} in your wallet.`);
    const hash = await request("eth_sendTransaction", [{ from: from, to: prepared.to, data: prepared.data, value: prepared.value }]);
    notice(`${what}: transaction ${hash} sent, waiting for it to be mined…`);
    const mined = await receipt(hash);
    notice(`${what}: mined in block ${Number(mined.blockNumber)}.`);
    return mined;
  }

  // Runs an action for a button: disables it meanwhile and reports any error in #notice.
  async function busy(button, action) {
    if (button) button.disabled = true;
    try { return await action(); }
    catch (error) { notice(error.message || String(error), "error"); }
    finally { if (button) button.disabled = false; }
  }

  window.PocoWallet = { request, connect, signIn, signTypedData, send, receipt, post, get, notice, busy };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-sign-in]");
    if (button) busy(button, signIn);
  });
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-theme-toggle]");
    if (!toggle) return;
    const root = document.documentElement;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    localStorage.setItem("theme", root.dataset.theme);
  });
})();
