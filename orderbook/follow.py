"""Orders followed on chain: fills, cancels, deaths and revivals, driven by the indexer.

`orders_follow_chain` is the indexer hook (settings.INDEXER_HOOKS). Before the batch's write
transaction it reads from the node what the batch's events tell of orders: the orders presigns
and broadcasts bring in, and the consumed volumes of the orders the events touch, at the batch's
block. Inside the transaction it writes the orders, with owners and stakes from the index rows
the batch just wrote. On a rollback it re-derives the state of every order the undone events
touched, so an undone fill or cancel brings the order back.
"""

import logging
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.timezone import now
from eth_abi import decode
from eth_abi.exceptions import DecodingError

from marketplace.chain.abi_codec import to_python
from marketplace.chain.answers import MalformedAnswer, fields, hex_data
from marketplace.chain.orders import order_hash, order_signer
from marketplace.chain.parse import InputInvalid
from marketplace.chain.protocol import ASSET_OF_KIND, HUB, MANAGE_FUNCTION, ORDER_NAMES
from marketplace.indexer.events import Event
from marketplace.indexer.hooks import BatchContext, Hook
from marketplace.live.events import live_event_add
from marketplace.models import Account, Block, Deal, RawEvent
from orderbook.facts import ASSET_MODELS
from orderbook.models import Order
from orderbook.parsing import order_parse
from orderbook.serialize import deal_json
from orderbook.services import live_order_event, order_columns, requests_recheck, stake_needed

log = logging.getLogger(__name__)
KIND_OF_EVENT = {name: kind for kind, name in ORDER_NAMES.items()}
MANAGE_BY_SELECTOR = {HUB[name].selector: (name, kind) for kind, name in MANAGE_FUNCTION.items()}


def _event_kind(name: str, prefix: str) -> str | None:
    if name.startswith(prefix) and name.endswith("Order"):
        return KIND_OF_EVENT.get(name[len(prefix) : -len("Order")])
    return None


def _hash_arg(event) -> str:
    return next(iter(event.args.values()))


@dataclass
class _Touched:
    """What a batch's events say of orders, without reading anything."""

    hashes: set[str] = field(default_factory=set)  # filled or closed
    closed: set[str] = field(default_factory=set)
    assets: set[str] = field(default_factory=set)  # transferred
    signers: set[str] = field(default_factory=set)  # whose account changed
    entering: list[Event] = field(default_factory=list)  # presigns and broadcasts


@dataclass
class _Entering:
    event: Event
    kind: str
    order: dict  # parsed, with the signature it came with
    digest: str
    presigned: bool


@dataclass
class _Read:
    """What the hook reads from the node, before the batch's write transaction."""

    touched: _Touched
    entering: list[_Entering]  # orders the batch's events bring into the book
    gone: list[str]  # on a rollback: hashes of the orders the fork brought in
    consumed: dict[str, int]  # order hash -> volume consumed at the batch's block


def _touched(ctx: BatchContext) -> _Touched:
    touched = _Touched(signers=set(ctx.changes.accounts))
    for event in ctx.events:
        if event.name == "OrdersMatched":
            touched.hashes.update(
                event.args[k] for k in ("appHash", "datasetHash", "workerpoolHash", "requestHash")
            )
        elif _event_kind(event.name, "Closed"):
            touched.hashes.add(_hash_arg(event))
            touched.closed.add(_hash_arg(event))
        elif _event_kind(event.name, "Signed") or _event_kind(event.name, "Broadcast"):
            touched.entering.append(event)
    touched.assets.update(address for _kind, address, _event in ctx.changes.transfers)
    return touched


def _affected(ctx: BatchContext, touched: _Touched):
    affected = Order.objects.filter(chain_id=ctx.chain_id).filter(
        Q(order_hash__in=touched.hashes)
        | Q(app__in=touched.assets, kind="apporder")
        | Q(dataset__in=touched.assets, kind="datasetorder")
        | Q(workerpool__in=touched.assets, kind="workerpoolorder")
        | Q(signer__in=touched.signers, kind__in=["workerpoolorder", "requestorder"])
    )
    if ctx.rollback:
        return affected
    # A filled order closed later is canceled: its fill may have been read at the head, past
    # the close, from a node without the state of the fill's block.
    return affected.filter(
        Q(status=Order.OPEN) | Q(status=Order.FILLED, order_hash__in=touched.closed)
    )


def _orders_read(ctx: BatchContext) -> _Read:
    touched = _touched(ctx)
    entering: list[_Entering] = []
    gone: list[str] = []
    if ctx.rollback:
        gone = [h for h in (_entering_hash(ctx, e) for e in touched.entering) if h]
    else:
        entering = [o for o in (_entering(ctx, e) for e in touched.entering) if o]
    hashes = set(_affected(ctx, touched).values_list("order_hash", flat=True))
    hashes |= {o.digest for o in entering}
    consumed = consumed_read(reader=ctx.reader, block=ctx.block, hashes=hashes)
    return _Read(touched=touched, entering=entering, gone=gone, consumed=consumed)


def _orders_write(ctx: BatchContext, read: _Read):
    if ctx.rollback:
        # Orders that entered the book through the abandoned fork's events go with it.
        Order.objects.filter(chain_id=ctx.chain_id, order_hash__in=read.gone).exclude(
            source=Order.API
        ).delete()
    else:
        for entering in read.entering:
            _enter(ctx, entering)
        _announce_deals(ctx)
    # An order published through the API since the reads is left to the periodic re-check.
    orders = [o for o in _affected(ctx, read.touched) if o.order_hash in read.consumed]
    orders_revalidate(
        chain_id=ctx.chain_id,
        orders=orders,
        consumed=read.consumed,
        revive=ctx.rollback,
        closing=read.touched.closed,
    )


orders_follow_chain = Hook(prepare=_orders_read, write=_orders_write)


def consumed_read(*, reader, block, hashes) -> dict[str, int]:
    """Order hash -> volume consumed, read at `block` (at the head by a node without it)."""
    hashes = sorted(hashes)
    calls = [reader.hub_call("viewConsumed", bytes.fromhex(h[2:])) for h in hashes]
    return dict(zip(hashes, reader.many_or_latest(calls, block=block), strict=True))


def _announce_deals(ctx: BatchContext):
    dealids = list(ctx.changes.deals)
    for deal in Deal.objects.filter(chain_id=ctx.chain_id, dealid__in=dealids).select_related(
        "block"
    ):
        live_event_add(
            chain_id=ctx.chain_id,
            topic="deals",
            name="deal_created",
            key=deal.dealid,
            payload=deal_json(deal),
        )


def orders_revalidate(
    *,
    chain_id: int,
    orders: list[Order],
    consumed: dict[str, int],
    revive: bool,
    owners: dict[str, str] | None = None,
    stakes: dict[str, int] | None = None,
    closing: frozenset[str] | set[str] = frozenset(),
) -> list[Order]:
    """Re-derive remaining and status of `orders` from their `consumed` volumes (consumed_read,
    before the write transaction).

    Owners and stakes default to the index rows (current at the batch's block inside a batch);
    the periodic revalidation passes what it read from the node instead. A filled order in
    `closing` (closed by the batch's events) may still become canceled."""
    if not orders:
        return []
    owners = _owners(chain_id, orders) if owners is None else owners
    if stakes is None:
        stakes = dict(
            Account.objects.filter(
                chain_id=chain_id, address__in={o.signer for o in orders}
            ).values_list("address", "stake")
        )
    closed = set(
        RawEvent.objects.filter(
            chain_id=chain_id,
            name__startswith="Closed",
            data__in=[o.order_hash for o in orders],
        ).values_list("data", flat=True)
    )
    changed, left_open = [], []
    for order in orders:
        used = consumed[order.order_hash]
        status, reason = _status(order, used, owners, stakes, closed)
        remaining = max(0, order.volume - used)
        amended = order.status == Order.FILLED and order.order_hash in closing
        if order.status != Order.OPEN and not revive and not amended:
            continue
        if order.status == Order.DEAD and status == Order.OPEN and not _chain_death(order):
            continue  # dead for a reason the chain cannot undo
        if (status, reason, remaining) != (order.status, order.dead_reason, order.remaining):
            # Only over the state this was derived from: the indexer and the periodic re-check
            # run concurrently, and a writer that changed the order meanwhile knew more.
            written = Order.objects.filter(
                pk=order.pk, status=order.status, remaining=order.remaining
            ).update(status=status, dead_reason=reason, remaining=remaining, updated_at=now())
            if not written:
                continue
            if order.status == Order.OPEN and status != Order.OPEN:
                left_open.append(order)
            order.status, order.dead_reason, order.remaining = status, reason, remaining
            # As the reference feed: `updated` while an order stays open, `unpublished` when it
            # leaves the book (filled, canceled, dead).
            if not amended:  # an amended order had already left the book
                live_order_event(
                    order=order, name="updated" if status == Order.OPEN else "unpublished"
                )
            changed.append(order)
    requests_recheck(
        chain_id=chain_id,
        apps={o.app for o in left_open if o.kind == "apporder"},
        datasets={o.dataset for o in left_open if o.kind == "datasetorder"},
    )
    return changed


CHAIN_DEATHS = ("owner changed", "stake too low")


def _chain_death(order: Order) -> bool:
    return order.dead_reason.startswith(CHAIN_DEATHS)


def _owners(chain_id: int, orders: list[Order]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for kind, model in ASSET_MODELS.items():
        addresses = {getattr(o, kind) for o in orders if o.kind == f"{kind}order"}
        if addresses:
            owners.update(
                model.objects.filter(chain_id=chain_id, address__in=addresses).values_list(
                    "address", "owner"
                )
            )
    return owners


def _status(order: Order, used: int, owners: dict, stakes: dict, closed: set) -> tuple[str, str]:
    remaining = order.volume - used
    if remaining <= 0:
        return (Order.CANCELED if order.order_hash in closed else Order.FILLED), ""
    if order.kind in ASSET_OF_KIND:
        asset = getattr(order, ASSET_OF_KIND[order.kind])
        owner = owners.get(asset)
        if owner is not None and owner != order.signer:
            return Order.DEAD, f"owner changed: {asset} now belongs to {owner}"
    stake = stakes.get(order.signer, 0)
    need = stake_needed(kind=order.kind, order=order.order, remaining=remaining)
    if need and stake < need:
        return (
            Order.DEAD,
            f"stake too low: {order.signer} has {stake} nRLC, the order needs {need} nRLC",
        )
    return Order.OPEN, ""


def _entering_order(ctx: BatchContext, event) -> tuple[str, dict] | None:
    """(kind, order) of a presigned or broadcast order event, or None if it cannot be known."""
    kind = _event_kind(event.name, "Broadcast")
    if kind:
        return kind, next(iter(event.args.values()))
    kind = _event_kind(event.name, "Signed")
    # A presign carries only the hash: the order is in the calldata of manage<X>Order.
    tx = ctx.reader.rpc.call("eth_getTransactionByHash", [event.tx_hash])
    data = b"" if tx is None else hex_data(fields(tx, "input")["input"])
    name_kind = MANAGE_BY_SELECTOR.get(data[:4])
    if not name_kind or name_kind[1] != kind:
        log.info(
            "presign %s was not sent as a direct manage call: its order is unknown", event.tx_hash
        )
        return None
    function = HUB[name_kind[0]]
    try:
        (operation,) = decode(function.input_types, data[4:])
    except DecodingError as exc:
        raise MalformedAnswer(f"transaction {event.tx_hash}: {exc}") from exc
    decoded = to_python(function.inputs[0], operation)
    order = decoded[next(iter(decoded))]
    return kind, {**order, "sign": "0x"}


def _entering_hash(ctx: BatchContext, event) -> str | None:
    if _event_kind(event.name, "Signed"):
        return _hash_arg(event)
    entering = _entering_order(ctx, event)
    if not entering:
        return None
    kind, order = entering
    try:
        return order_hash(kind=kind, order=order, domain=ctx.reader.domain())
    except ValueError:
        return None


def _entering(ctx: BatchContext, event: Event) -> _Entering | None:
    """The order a presign or broadcast event brings in, parsed, or None if it cannot."""
    entering = _entering_order(ctx, event)
    if not entering:
        return None
    kind, raw = entering
    presigned = _event_kind(event.name, "Signed") is not None
    try:
        order = order_parse(
            kind=kind, data={**raw, "sign": raw["sign"] if not presigned else "0x" + "00" * 65}
        )
    except InputInvalid as exc:
        log.info("%s order from %s left out: %s", kind, event.tx_hash, exc)
        return None
    order["sign"] = raw["sign"]
    digest = order_hash(kind=kind, order=order, domain=ctx.reader.domain())
    return _Entering(event=event, kind=kind, order=order, digest=digest, presigned=presigned)


def _enter(ctx: BatchContext, entering: _Entering):
    event, kind, order, digest = entering.event, entering.kind, entering.order, entering.digest
    presigned = entering.presigned
    if Order.objects.filter(chain_id=ctx.chain_id, order_hash=digest).exists():
        return
    signer = _signer_of(ctx, kind, order)
    if not presigned:
        try:
            valid = (
                order_signer(kind=kind, order=order, domain=ctx.reader.domain(), sign=order["sign"])
                == signer
            )
        except ValueError:
            valid = False
        if not valid:
            log.info("broadcast %s %s has no valid signature of %s: left out", kind, digest, signer)
            return
    block = Block.objects.get(chain_id=ctx.chain_id, number=event.block_number)
    Order.objects.create(
        chain_id=ctx.chain_id,
        kind=kind,
        order_hash=digest,
        signer=signer,
        order=order,
        remaining=order["volume"],
        status=Order.OPEN,
        source=Order.PRESIGNED if presigned else Order.BROADCAST,
        publication_timestamp=block.timestamp,
        **order_columns(kind=kind, order=order),
    )


def _signer_of(ctx: BatchContext, kind: str, order: dict) -> str:
    if kind == "requestorder":
        return order["requester"]
    asset = ASSET_OF_KIND[kind]
    owner = (
        ASSET_MODELS[asset]
        .objects.filter(chain_id=ctx.chain_id, address=order[asset])
        .values_list("owner", flat=True)
        .first()
    )
    return owner or ""
