import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.indexer.progress import ProgressPrinter
from marketplace.indexer.runner import HubMismatch, Indexer


class Command(BaseCommand):
    help = "Index the PoCo contracts up to the chain head and exit; --follow keeps following."

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep following new blocks")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args, follow, quiet, **options):
        if not settings.HUB_ADDRESS:
            raise CommandError(
                "HUB_ADDRESS is not set and no local chain is described in "
                f"{settings.DEVCHAIN_FILE}: run `manage.py devchain` or set HUB_ADDRESS"
            )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        indexer = Indexer(
            rpc_url=settings.CHAIN_RPC_URL,
            hub=settings.HUB_ADDRESS,
            start_block=settings.CHAIN_START_BLOCK,
            confirmations=settings.CHAIN_CONFIRMATIONS,
            max_batch_blocks=settings.INDEXER_BATCH_BLOCKS,
            timeout=settings.CHAIN_RPC_TIMEOUT,
        )
        try:
            indexer.run(
                follow=follow,
                poll_seconds=settings.INDEXER_POLL_SECONDS,
                stop=stop,
                on_progress=None if quiet else ProgressPrinter(self.stderr._out),
            )
        except HubMismatch as exc:
            raise CommandError(str(exc)) from exc
