// Drives the unmodified iExec SDK (npm `iexec` 9.x) against PoCo Market's market API and a local
// chain; started by tests/test_sdk_e2e.py, which asserts what this prints.
//
// Configuration (environment): E2E_RPC_URL, E2E_HUB, E2E_GATEWAY_URL, E2E_CHAIN_ID, and the dev
// private keys (anvil's public "test … junk" mnemonic, local chain only): E2E_FUNDER_KEY (holds RLC),
// E2E_DEVELOPER_KEY, E2E_SCHEDULER_KEY, E2E_REQUESTER_KEY, E2E_REQUESTER2_KEY (fresh accounts this
// script funds through the SDK). E2E_INDEX_TIMEOUT (seconds, default 30) bounds each wait for the
// indexer. Output: one JSON object on stdout; on failure a message on stderr and exit code 1.
//
// Order names used in the output (tests/test_sdk_e2e.py holds the expected books):
//   A1..A5, U1..U3: app orders of the SDK-deployed app; D1..D4: dataset orders of the
//   SDK-deployed dataset; W1..W6: workerpool orders of the SDK-deployed workerpool;
//   R1..R5, R7: request orders of `requester` (R5: of `requester2`).
import { JsonRpcProvider, Wallet } from 'ethers';
import { IExec, utils } from 'iexec';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
  return value;
};
const config = {
  rpc: env('E2E_RPC_URL'),
  hub: env('E2E_HUB'),
  gateway: env('E2E_GATEWAY_URL'),
  chainId: Number(env('E2E_CHAIN_ID')),
  indexTimeoutMs: Number(env('E2E_INDEX_TIMEOUT', '30')) * 1000,
};
const ANY = 'any';
const NULL_ADDRESS = utils.NULL_ADDRESS;
const RLC = 10n ** 9n;

// The SDK's own utils.getSignerFromPrivateKey(rpc, key) works too, but its ethers provider caches
// identical JSON-RPC answers for 250 ms: two transactions of one wallet within 250 ms on an
// automining anvil get the same nonce ("nonce too low"). Same signer, cache off.
const sdkFor = (key) =>
  new IExec(
    { ethProvider: new Wallet(key, new JsonRpcProvider(config.rpc, undefined, { cacheTimeout: -1, pollingInterval: 100 })) },
    { hubAddress: config.hub, iexecGatewayURL: config.gateway },
  );
const funder = sdkFor(env('E2E_FUNDER_KEY'));
const dev = sdkFor(env('E2E_DEVELOPER_KEY'));
const sched = sdkFor(env('E2E_SCHEDULER_KEY'));
const req = sdkFor(env('E2E_REQUESTER_KEY'));
const req2 = sdkFor(env('E2E_REQUESTER2_KEY'));

const out = { addresses: {}, hashes: {}, books: {}, lookups: {}, unpublished: {}, errors: {} };
out.addresses.developer = await dev.wallet.getAddress();
out.addresses.scheduler = await sched.wallet.getAddress();
out.addresses.requester = await req.wallet.getAddress();
out.addresses.requester2 = await req2.wallet.getAddress();
const { developer, scheduler, requester, requester2 } = out.addresses;
out.chainId = await dev.config.resolveChainId();
if (out.chainId !== config.chainId) {
  throw new Error(`the SDK sees chain ${out.chainId}, expected ${config.chainId}`);
}
// On failure, what was gathered so far goes to stderr after Node's own error report.
process.on('exit', (code) => {
  if (code !== 0) process.stderr.write(`partial results: ${JSON.stringify(out)}\n`);
});
const names = {}; // orderHash -> name, to print books by name
const signed = {}; // name -> signed order as the SDK made it

// --- funding and deployments, all through the SDK -------------------------------------------
for (const who of [developer, scheduler, requester, requester2]) {
  await funder.wallet.sendETH('10000000000000000000', who); // 10 ETH of gas
}
for (const [sdk, address, rlc] of [
  [sched, scheduler, 1000n],
  [req, requester, 1000n],
  [req2, requester2, 100n],
]) {
  await funder.wallet.sendRLC((rlc * RLC).toString(), address);
  await sdk.account.deposit((rlc * RLC).toString());
}
out.stakes = {
  scheduler: (await sched.account.checkBalance(scheduler)).stake.toString(),
  requester: (await req.account.checkBalance(requester)).stake.toString(),
};
const app = (
  await dev.app.deployApp({
    owner: developer,
    name: 'poco-market-sdk-e2e-app',
    type: 'DOCKER',
    multiaddr: 'docker.io/iexechub/python-hello-world:8.0.0',
    checksum: '0x00f51494d7a42a3c1c43464d9f09e06b2a99968e3b978f6cd11ab3410b7bcd14',
  })
).address;
const dataset = (
  await dev.dataset.deployDataset({
    owner: developer,
    name: 'poco-market-sdk-e2e-dataset',
    multiaddr: '/ipfs/QmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ',
    checksum: '0x0000000000000000000000000000000000000000000000000000000000000001',
  })
).address;
const workerpool = (
  await sched.workerpool.deployWorkerpool({ owner: scheduler, description: 'poco-market sdk e2e' })
).address;
Object.assign(out.addresses, { app, dataset, workerpool });

// --- signing and publishing through the API (challenge + POST) ------------------------------
const publish = {
  app: async (name, fields) => {
    const order = await dev.order.signApporder(
      await dev.order.createApporder({ app, ...fields }),
    );
    return record('apporder', name, order, await dev.order.publishApporder(order));
  },
  dataset: async (name, fields) => {
    // preflightCheck would ask an SMS for the dataset's TEE key: there is no SMS here.
    const order = await dev.order.signDatasetorder(
      await dev.order.createDatasetorder({ dataset, ...fields }),
      { preflightCheck: false },
    );
    return record(
      'datasetorder',
      name,
      order,
      await dev.order.publishDatasetorder(order, { preflightCheck: false }),
    );
  },
  workerpool: async (name, fields) => {
    const order = await sched.order.signWorkerpoolorder(
      await sched.order.createWorkerpoolorder({ workerpool, ...fields }),
    );
    return record('workerpoolorder', name, order, await sched.order.publishWorkerpoolorder(order));
  },
  request: async (name, fields, sdk = req) => {
    // Plain params: the preflight would only need an SMS URL, never call it; none is configured.
    const order = await sdk.order.signRequestorder(
      await sdk.order.createRequestorder({ app, category: 0, ...fields }),
      { preflightCheck: false },
    );
    return record(
      'requestorder',
      name,
      order,
      await sdk.order.publishRequestorder(order, { preflightCheck: false }),
    );
  },
};
async function record(kind, name, order, orderHash) {
  const hash = {
    apporder: (o) => dev.order.hashApporder(o),
    datasetorder: (o) => dev.order.hashDatasetorder(o),
    workerpoolorder: (o) => dev.order.hashWorkerpoolorder(o),
    requestorder: (o) => dev.order.hashRequestorder(o),
  }[kind];
  const computed = await hash(order);
  if (computed !== orderHash) {
    throw new Error(`${name}: the API answered orderHash ${orderHash}, the SDK computes ${computed}`);
  }
  out.hashes[name] = orderHash;
  names[orderHash] = name;
  signed[name] = order;
  return orderHash;
}

const GPU = ['gpu'];
await publish.app('A1', { appprice: 2, volume: 3 });
await publish.app('A2', { appprice: 1, volume: 1, datasetrestrict: dataset });
await publish.app('A3', { appprice: 3, volume: 5, workerpoolrestrict: workerpool });
await publish.app('A4', { appprice: 4, volume: 2, requesterrestrict: requester2 });
await publish.app('A5', { appprice: 5, volume: 1, tag: GPU });

await publish.dataset('D1', { datasetprice: 0, volume: utils.DATASET_INFINITE_VOLUME });
await publish.dataset('D2', { datasetprice: 1, volume: 10, apprestrict: app });
await publish.dataset('D3', { datasetprice: 2, volume: 5, workerpoolrestrict: workerpool });
await publish.dataset('D4', { datasetprice: 3, volume: 5, requesterrestrict: requester });

await publish.workerpool('W1', { workerpoolprice: 3, volume: 3, category: 0, trust: 1 });
await publish.workerpool('W2', { workerpoolprice: 2, volume: 1, category: 1, trust: 5 });
await publish.workerpool('W3', { workerpoolprice: 1, volume: 2, category: 0, apprestrict: app });
await publish.workerpool('W4', { workerpoolprice: 4, volume: 1, category: 0, requesterrestrict: requester2 });
await publish.workerpool('W5', { workerpoolprice: 6, volume: 1, category: 0, tag: GPU });
await publish.workerpool('W6', { workerpoolprice: 7, volume: 1, category: 0, datasetrestrict: dataset });

const params = { iexec_args: 'sdk e2e' };
await publish.request('R1', { appmaxprice: 2, workerpoolmaxprice: 3, trust: 1, params });
await publish.request('R2', { appmaxprice: 5, workerpoolmaxprice: 4, volume: 2, workerpool });
await publish.request('R3', {
  appmaxprice: 2, dataset, datasetmaxprice: 1, workerpoolmaxprice: 2, category: 1,
});
await publish.request('R4', {
  appmaxprice: 5, workerpoolmaxprice: 6, volume: 4, category: 2, trust: 3, tag: GPU,
  beneficiary: requester2,
});
await publish.request('R5', { appmaxprice: 3, workerpoolmaxprice: 1 }, req2);

// --- reading every book with every filter the SDK offers -------------------------------------
async function book(label, fetch) {
  const { count, orders, more } = await fetch();
  out.books[label] = {
    count,
    names: orders.map((o) => names[o.orderHash] ?? o.orderHash),
    more: typeof more === 'function',
  };
  return orders;
}
const appBook = (label, options) => book(`app ${label}`, () => req.orderbook.fetchAppOrderbook({ app, ...options }));
const datasetBook = (label, options) => book(`dataset ${label}`, () => req.orderbook.fetchDatasetOrderbook({ dataset, ...options }));
const poolBook = (label, options) => book(`workerpool ${label}`, () => req.orderbook.fetchWorkerpoolOrderbook({ workerpool, ...options }));
const requestBook = (label, options) => book(`request ${label}`, () => sched.orderbook.fetchRequestOrderbook({ app, ...options }));
const allAny = { dataset: ANY, workerpool: ANY, requester: ANY };

out.firstAppOrder = (await appBook('default', {}))[0];
await appBook('dataset', { dataset });
await appBook('dataset strict', { dataset, isDatasetStrict: true });
await appBook('dataset any', { dataset: ANY });
await appBook('workerpool', { workerpool });
await appBook('workerpool strict', { workerpool, isWorkerpoolStrict: true });
await appBook('requester2', { requester: requester2 });
await appBook('requester2 strict', { requester: requester2, isRequesterStrict: true });
await appBook('requester', { requester });
await appBook('all any', allAny);
await appBook('minTag gpu', { minTag: GPU });
await appBook('minTag tee,tdx', { minTag: ['tee', 'tdx'] });
await appBook('maxTag tee,tdx', { maxTag: ['tee', 'tdx'] });
await appBook('maxTag none', { maxTag: utils.NULL_BYTES32 });
await appBook('minVolume 3', { minVolume: 3 });
await appBook('minVolume 4 any', { minVolume: 4, ...allAny });
await book('app appOwner', () => req.orderbook.fetchAppOrderbook({ appOwner: developer }));
await book('app any appOwner', () => req.orderbook.fetchAppOrderbook({ app: ANY, appOwner: developer, ...allAny }));
await book('app appOwner stranger', () => req.orderbook.fetchAppOrderbook({ appOwner: requester }));
await book('app pageSize 10 page 1', () => req.orderbook.fetchAppOrderbook({ app, ...allAny, page: 1, pageSize: 10 }));

out.firstDatasetOrder = (await datasetBook('default', {}))[0];
await datasetBook('app', { app });
await datasetBook('app strict', { app, isAppStrict: true });
await datasetBook('workerpool', { workerpool });
await datasetBook('workerpool strict', { workerpool, isWorkerpoolStrict: true });
await datasetBook('requester', { requester });
await datasetBook('requester strict', { requester, isRequesterStrict: true });
await datasetBook('all any', { app: ANY, workerpool: ANY, requester: ANY });
await datasetBook('bulkOnly', { bulkOnly: true, app: ANY, workerpool: ANY, requester: ANY });
await datasetBook('minVolume 6 any', { minVolume: 6, app: ANY, workerpool: ANY, requester: ANY });
await datasetBook('minTag gpu', { minTag: GPU });
await datasetBook('maxTag tee,tdx', { maxTag: ['tee', 'tdx'] });
await book('dataset datasetOwner', () => req.orderbook.fetchDatasetOrderbook({ datasetOwner: developer }));

out.firstWorkerpoolOrder = (await poolBook('default', {}))[0];
await poolBook('category 0', { category: 0 });
await poolBook('category 1', { category: 1 });
await poolBook('minTrust 5', { minTrust: 5 });
await poolBook('minTrust 1', { minTrust: 1 });
await poolBook('app', { app });
await poolBook('app strict', { app, isAppStrict: true });
await poolBook('dataset', { dataset });
await poolBook('dataset strict', { dataset, isDatasetStrict: true });
await poolBook('requester2', { requester: requester2 });
await poolBook('requester2 strict', { requester: requester2, isRequesterStrict: true });
await poolBook('all any', { app: ANY, dataset: ANY, requester: ANY });
await poolBook('minTag gpu', { minTag: GPU });
await poolBook('maxTag tee,tdx', { maxTag: ['tee', 'tdx'] });
await poolBook('minVolume 2', { minVolume: 2 });
await poolBook('minVolume 2 any', { minVolume: 2, app: ANY, dataset: ANY, requester: ANY });
await book('workerpool workerpoolOwner', () => req.orderbook.fetchWorkerpoolOrderbook({ workerpoolOwner: scheduler }));
await book('workerpool workerpoolOwner category 1', () => req.orderbook.fetchWorkerpoolOrderbook({ workerpoolOwner: scheduler, category: 1 }));

out.firstRequestOrder = (await requestBook('default', {}))[0];
await requestBook('workerpool', { workerpool });
await requestBook('workerpool strict', { workerpool, isWorkerpoolStrict: true });
await requestBook('workerpool any', { workerpool: ANY });
await requestBook('requester', { requester });
await requestBook('requester2', { requester: requester2 });
await requestBook('beneficiary requester2', { beneficiary: requester2 });
await requestBook('dataset', { dataset });
await requestBook('category 1', { category: 1 });
await requestBook('category 2', { category: 2 });
await requestBook('maxTrust 0 any', { maxTrust: 0, workerpool: ANY });
await requestBook('maxTrust 1 any', { maxTrust: 1, workerpool: ANY });
await requestBook('minTag gpu', { minTag: GPU });
await requestBook('maxTag tee,tdx', { maxTag: ['tee', 'tdx'] });
await requestBook('minVolume 2 any', { minVolume: 2, workerpool: ANY });
await book('request no app filter requester', () => sched.orderbook.fetchRequestOrderbook({ requester }));

// --- lookups by hash ------------------------------------------------------------------------
const lookup = {
  A: (hash) => req.orderbook.fetchApporder(hash),
  D: (hash) => req.orderbook.fetchDatasetorder(hash),
  W: (hash) => req.orderbook.fetchWorkerpoolorder(hash),
  R: (hash) => req.orderbook.fetchRequestorder(hash),
};
const lookupByName = (name) => lookup[name[0]](out.hashes[name]);
for (const name of ['A1', 'D1', 'W1', 'R1']) {
  out.lookups[`${name} published`] = await lookupByName(name);
}

async function expectError(label, promise) {
  try {
    const value = await promise;
    out.errors[label] = { resolved: value };
  } catch (error) {
    out.errors[label] = { message: error.message };
  }
}
await expectError('lookup unknown apporder', lookup.A(`0x${'ab'.repeat(32)}`));
await expectError('publish A1 twice', dev.order.publishApporder(signed.A1));
await expectError(
  'request appmaxprice too low',
  req.order
    .createRequestorder({ app, category: 0, appmaxprice: 1, workerpoolmaxprice: 3 })
    .then((o) => req.order.signRequestorder(o, { preflightCheck: false }))
    .then((o) => req.order.publishRequestorder(o, { preflightCheck: false })),
);
await expectError('unpublish A1 by requester2', req2.order.unpublishApporder(out.hashes.A1));

// --- matching orders fetched from the API, then waiting for the indexer ----------------------
async function waitFor(label, check) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return Date.now() - started;
    if (Date.now() - started > config.indexTimeoutMs) {
      throw new Error(`timed out waiting for ${label}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const fromApi = async (name) => (await lookupByName(name)).order;
out.matches = [];
async function match(orders, expectRemaining) {
  const apiOrders = {
    apporder: await fromApi(orders.app),
    workerpoolorder: await fromApi(orders.workerpool),
    requestorder: await fromApi(orders.request),
    ...(orders.dataset && { datasetorder: await fromApi(orders.dataset) }),
  };
  const { dealid, volume, txHash } = await req.order.matchOrders(apiOrders, {
    preflightCheck: false,
  });
  const [name, remaining] = expectRemaining;
  const waitedMs = await waitFor(`${name} remaining ${remaining}`, async () => {
    const found = await lookupByName(name);
    return found.remaining === remaining;
  });
  out.matches.push({ ...orders, dealid, volume: volume.toString(), txHash, waitedMs });
  for (const key of ['app', 'dataset', 'workerpool', 'request']) {
    if (orders[key]) {
      out.lookups[`${orders[key]} after match ${out.matches.length}`] = await lookupByName(orders[key]);
    }
  }
}
await match({ app: 'A1', workerpool: 'W1', request: 'R1' }, ['A1', 2]);
await book('request after match 1', () => sched.orderbook.fetchRequestOrderbook({ requester }));
await book('app minVolume 3 after match 1', () => req.orderbook.fetchAppOrderbook({ app, minVolume: 3 }));
await match({ app: 'A1', dataset: 'D2', workerpool: 'W2', request: 'R3' }, ['D2', 9]);

// --- deals ----------------------------------------------------------------------------------
out.deals = {};
const deals = async (label, fetch) => {
  const { count, deals: list, more } = await fetch();
  out.deals[label] = { count, deals: list, more: typeof more === 'function' };
};
await deals('requester', () => req.deal.fetchRequesterDeals(requester));
await deals('requester app', () => req.deal.fetchRequesterDeals(requester, { appAddress: app }));
await deals('requester dataset', () => req.deal.fetchRequesterDeals(requester, { datasetAddress: dataset }));
await deals('requester workerpool', () => req.deal.fetchRequesterDeals(requester, { workerpoolAddress: workerpool }));
await deals('requester2', () => req.deal.fetchRequesterDeals(requester2));
await deals('apporder A1', () => req.deal.fetchDealsByApporder(out.hashes.A1));
await deals('datasetorder D2', () => req.deal.fetchDealsByDatasetorder(out.hashes.D2));
await deals('workerpoolorder W1', () => req.deal.fetchDealsByWorkerpoolorder(out.hashes.W1));
await deals('workerpoolorder W2', () => req.deal.fetchDealsByWorkerpoolorder(out.hashes.W2));
await deals('requestorder R1', () => req.deal.fetchDealsByRequestorder(out.hashes.R1));
await deals('requestorder R3', () => req.deal.fetchDealsByRequestorder(out.hashes.R3));
out.dealsOnChain = {};
for (const { dealid } of out.matches) {
  const deal = await req.deal.show(dealid);
  out.dealsOnChain[dealid] = JSON.parse(
    JSON.stringify(deal, (_, v) => (typeof v === 'bigint' || v?.constructor?.name === 'BN' ? v.toString() : v)),
  );
}

// --- unpublishing: by hash, the last one, all ----------------------------------------------
await publish.app('U1', { appprice: 9, volume: 1 });
await publish.app('U2', { appprice: 9, volume: 1 });
await publish.app('U3', { appprice: 9, volume: 1 });
const named = (hashes) => [].concat(hashes).map((h) => names[h] ?? h);
out.unpublished['app by hash U1'] = named(await dev.order.unpublishApporder(out.hashes.U1));
await expectError('lookup unpublished U1', lookup.A(out.hashes.U1));
await expectError('unpublish U1 again', dev.order.unpublishApporder(out.hashes.U1));
out.unpublished['app last'] = named(await dev.order.unpublishLastApporder(app));

out.unpublished['dataset by hash D3'] = named(await dev.order.unpublishDatasetorder(out.hashes.D3));
out.unpublished['dataset last'] = named(await dev.order.unpublishLastDatasetorder(dataset));
out.unpublished['dataset all'] = named(await dev.order.unpublishAllDatasetorders(dataset));

out.unpublished['workerpool by hash W3'] = named(await sched.order.unpublishWorkerpoolorder(out.hashes.W3));
out.unpublished['workerpool last'] = named(await sched.order.unpublishLastWorkerpoolorder(workerpool));
out.unpublished['workerpool all'] = named(await sched.order.unpublishAllWorkerpoolorders(workerpool));

out.unpublished['request by hash R5'] = named(await req2.order.unpublishRequestorder(out.hashes.R5));
out.unpublished['request last'] = named(await req.order.unpublishLastRequestorder());
out.unpublished['request all'] = named(await req.order.unpublishAllRequestorders());
await expectError('unpublish all requests again', req.order.unpublishAllRequestorders());

// A request order that loses every matchable app order when they are all unpublished.
await publish.request('R7', { appmaxprice: 9, workerpoolmaxprice: 1 });
out.unpublished['app all'] = named(await dev.order.unpublishAllApporders(app));
out.lookups['R7 after app orders unpublished'] = await lookupByName('R7');
await book('app after unpublish all', () => req.orderbook.fetchAppOrderbook({ app, ...allAny }));
await book('dataset after unpublish all', () => req.orderbook.fetchDatasetOrderbook({ dataset, app: ANY, workerpool: ANY, requester: ANY }));
await book('workerpool after unpublish all', () => req.orderbook.fetchWorkerpoolOrderbook({ workerpool, app: ANY, dataset: ANY, requester: ANY }));
await book('request after unpublish all', () => sched.orderbook.fetchRequestOrderbook({ app, workerpool: ANY }));
for (const name of ['A1', 'D2', 'W1', 'W2', 'R1', 'R3']) {
  out.lookups[`${name} final`] = await lookupByName(name).catch((error) => ({ error: error.message }));
}

out.signed = signed;
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
