"""PostgreSQL or Redis restarted under traffic: every request either succeeds or gets a 5xx
JSON error the client can act on, and every publication that got a 200 is in the book."""

import os
import signal
import threading
import time

import pytest
import requests
from django.db import connection

from marketplace.chain.protocol import NO_TAG
from marketplace.simulation.gateway import typed_data_sign
from marketplace.simulation.market import Market
from tests.processes import ROOT, command_env, serve
from tests.throwaway_servers import ThrowawayPostgres, ThrowawayRedis, postgres_available

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=41)]
RETRY = {"ok": False, "error": "Something went wrong, you should retry later."}
# The traffic publishes from a few signers, far past the reference's per-signer limit.
MANY_ORDERS = {"ORDERBOOK_MAX_OPEN_PER_SIGNER": "1000000"}


class Traffic:
    """Publications and book reads from a few client threads, every answer recorded."""

    def __init__(self, url: str, chain_id: int, market: Market):
        self.url, self.chain_id, self.market = url, chain_id, market
        self.stop = threading.Event()
        self.answers: list[tuple[str, int, dict | str]] = []
        self.published: list[str] = []
        self.salts = iter(range(10**6))
        self.lock = threading.Lock()

    def _record(self, what: str, answer: requests.Response) -> dict | None:
        try:
            body = answer.json()
        except ValueError:
            body = answer.text
        with self.lock:
            self.answers.append((what, answer.status_code, body))
        return body if answer.status_code == 200 else None

    def _publish_one(self, session: requests.Session, n: int):
        # One signer per thread: an address has one challenge at a time, burnt by its first use.
        developer, app = self.market.developers[n], self.market.apps[("docker", "tee")[n]]
        query = {"chainId": self.chain_id, "address": developer.address}
        challenge = self._record("challenge", session.get(f"{self.url}/challenge", params=query))
        if challenge is None:
            return
        digest, signature = typed_data_sign(challenge["data"], developer.key)
        with self.lock:
            salt = next(self.salts)
        order = developer.app_order(
            app=app, price=1, volume=1, tag=NO_TAG,
            salt="0x" + (7 * 10**6 + salt).to_bytes(32, "big").hex(),
        )  # fmt: skip
        published = self._record(
            "publish",
            session.post(
                f"{self.url}/apporders",
                params={"chainId": self.chain_id},
                json={"order": order},
                headers={"authorization": f"{digest}_{signature}_{developer.address}"},
            ),
        )
        if published:
            with self.lock:
                self.published.append(published["published"]["orderHash"])

    def _publisher(self, n: int):
        with requests.Session() as session:
            while not self.stop.is_set():
                self._publish_one(session, n)

    def _reader(self):
        params = {"chainId": self.chain_id, "app": self.market.apps["docker"]}
        with requests.Session() as session:
            while not self.stop.is_set():
                self._record("book", session.get(f"{self.url}/apporders", params=params))
                deals = session.get(f"{self.url}/api/v1/deals", params={"chainId": self.chain_id})
                self._record("deals", deals)

    def run(self, restart, *, before: float = 1.5, after: float = 3.0):
        threads = [threading.Thread(target=self._publisher, args=(n,)) for n in (0, 1)]
        threads.append(threading.Thread(target=self._reader))
        for thread in threads:
            thread.start()
        try:
            time.sleep(before)
            restart()
            time.sleep(after)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(60)

    def check(self):
        failed = [(w, s, b) for w, s, b in self.answers if s != 200]
        # A failure is a 5xx JSON answer that says to retry: never a 4xx, an HTML page, a hang.
        for what, status, body in failed:
            if what == "deals":  # the read API's errors
                assert status == 503 and "retry" in body["detail"], (what, status, body)
            else:
                assert (status, body) == (500, RETRY), (what, status, body)
        publications = [a for a in self.answers if a[0] == "publish"]
        assert len(self.published) > 10 and publications[-1][1] == 200, "no recovery"
        for order_hash in self.published:
            lookup = requests.get(
                f"{self.url}/apporders/{order_hash}", params={"chainId": self.chain_id}, timeout=30
            )
            assert lookup.status_code == 200 and lookup.json()["status"] == "open", order_hash
        print(f"{len(self.answers)} requests, {len(failed)} failed with a 5xx JSON answer")


def _server(env: dict):
    server, url = serve(env=env)
    return server, url


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL only: this run is on SQLite (set DATABASE_URL=postgres://…)",
)
@pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL's binaries and runuser")
def test_postgres_restarted_under_traffic(market):
    import subprocess
    import sys

    postgres = ThrowawayPostgres().start()
    server = None
    try:
        env = command_env(market.devnet, DATABASE_URL=postgres.url(), **MANY_ORDERS)
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
            capture_output=True, timeout=180,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr.decode()
        server, url = _server(env)
        traffic = Traffic(url, market.chain.domain["chainId"], market)
        traffic.run(postgres.restart)
        traffic.check()
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
        postgres.stop()


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="Redis only: this run has no Redis (set REDIS_URL=redis://…)",
)
def test_redis_restarted_under_traffic(market):
    redis = ThrowawayRedis().start()
    server = None
    try:
        connection.close()
        server, url = _server(command_env(market.devnet, REDIS_URL=redis.url, **MANY_ORDERS))
        traffic = Traffic(url, market.chain.domain["chainId"], market)
        traffic.run(redis.restart)
        traffic.check()
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
        redis.stop()
