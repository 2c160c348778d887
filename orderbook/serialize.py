"""The market API's JSON for orders (list items, lookups and live payloads)."""

from orderbook.models import Order

ISO_MS = "%Y-%m-%dT%H:%M:%S.%f"
# The columns order_json reads: lists load only these (the book's rows are wide).
ORDER_JSON_FIELDS = (
    "order_hash",
    "chain_id",
    "kind",
    "remaining",
    "status",
    "publication_timestamp",
    "signer",
    "order",
    "bulk",
)


def timestamp_json(value) -> str:
    return value.strftime(ISO_MS)[:-3] + "Z"


def order_json(order: Order) -> dict:
    data = {
        "orderHash": order.order_hash,
        "chainId": order.chain_id,
        "remaining": order.remaining,
        "status": order.status,
        "publicationTimestamp": timestamp_json(order.publication_timestamp),
        "signer": order.signer,
        "order": order.order,
    }
    if order.kind == "datasetorder":
        data["bulk"] = order.bulk
    return data


def deal_json(deal) -> dict:
    """A deal as the market API's /deals returns it (numbers as JSON numbers)."""

    def resource(part: str) -> dict:
        return {
            "pointer": getattr(deal, f"{part}_pointer"),
            "owner": getattr(deal, f"{part}_owner"),
            "price": getattr(deal, f"{part}_price"),
        }

    return {
        "dealid": deal.dealid,
        "chainId": deal.chain_id,
        "app": resource("app"),
        "dataset": resource("dataset"),
        "workerpool": resource("workerpool"),
        "appHash": deal.app_hash,
        "datasetHash": deal.dataset_hash,
        "workerpoolHash": deal.workerpool_hash,
        "requestHash": deal.request_hash,
        "requester": deal.requester,
        "beneficiary": deal.beneficiary,
        "callback": deal.callback,
        "params": deal.params,
        "volume": deal.volume,
        "category": deal.category,
        "tag": deal.tag,
        "trust": deal.trust,
        "startTime": deal.start_time,
        "botFirst": deal.bot_first,
        "botSize": deal.bot_size,
        "workerStake": deal.worker_stake,
        "schedulerRewardRatio": deal.scheduler_reward_ratio,
        "sponsor": deal.sponsor,
        "blockNumber": deal.block.number,
        "blockTimestamp": timestamp_json(deal.block.timestamp),
        "transactionHash": deal.tx_hash,
    }
