import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from marketplace.chain.devchain import devchain_read
from marketplace.chain.rpc import RpcClient
from marketplace.simulation import SCENARIOS, Market
from marketplace.simulation.gateway import Gateway


class Command(BaseCommand):
    help = (
        "Play a simulated market on the local chain (`manage.py devchain`): actors register "
        f"apps, datasets and pools, then make deals cycling through {', '.join(SCENARIOS)}. "
        "Note that the reopen and claim scenarios move the chain clock forward."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, help="make this many deals back to back and stop")
        parser.add_argument(
            "--pace", type=float, default=2.0, help="seconds between deals when running forever"
        )
        parser.add_argument(
            "--forever", action="store_true", help="keep making deals (the default without --deals)"
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of the actors' choices")
        parser.add_argument(
            "--serve-only",
            action="store_true",
            help="make no deals: only let the pools run the tasks of deals others make "
            "(needs --gateway)",
        )
        parser.add_argument(
            "--gateway",
            help="URL of a running market API (e.g. http://127.0.0.1:8000): orders are then "
            "published there and picked from its books, as real clients do",
        )

    def handle(self, *args, deals, pace, forever, seed, gateway, serve_only, **options):
        info = devchain_read()
        RpcClient(info["rpc_url"]).wait_ready()
        book = None
        if gateway:
            book = Gateway(url=gateway, chain_id=info["chain_id"])
            self.stdout.write(f"waiting for the market API at {gateway}")
            book.wait_ready()
        market = Market(rpc_url=info["rpc_url"], deployment=info, seed=seed, gateway=book)
        assets = market.setup()
        self.stdout.write(f"actors ready on {info['rpc_url']}: {assets}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        if serve_only:
            if book is None:
                raise CommandError("--serve-only needs --gateway: pools watch deals through it")
            self.stdout.write(f"pools serve others' deals every {pace:g} s; Ctrl-C to stop")
            market.serve_forever(pace_seconds=pace, stop_event=stop)
            return
        for result in market.run(deals=deals or 0):
            self.stdout.write(f"{result['scenario']}: deal {result['dealid']}")
        if forever or not deals:
            self.stdout.write(f"one deal every {pace:g} s; Ctrl-C to stop")
            market.run_forever(pace_seconds=pace, stop_event=stop)
