"""Concurrent API traffic for the reliability tests: reads mixed with quote creation."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests


@dataclass
class Traffic:
    """What a run of clients saw: statuses, connection failures and every 201'd quote."""

    statuses: Counter = field(default_factory=Counter)
    connection_errors: list[str] = field(default_factory=list)
    # (index of the token in the list given to run_traffic, the 201 body)
    created: list[tuple[int, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        """Requests that got an answer."""
        return sum(self.statuses.values())

    def server_errors(self) -> dict[int, int]:
        """Statuses of 500 and above, with their counts."""
        return {status: count for status, count in self.statuses.items() if status >= 500}


def _client(
    origin: str,
    token: str,
    owner: int,
    product_ids: list[str],
    deadline: float,
    stop: threading.Event,
    traffic: Traffic,
    seed: int,
) -> None:
    """One keep-alive client: reads most of the time, creates a quote every few requests."""
    chooser = random.Random(seed)  # noqa: S311 - a repeatable traffic mix, not a secret
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    own_numbers: list[str] = []
    while time.monotonic() < deadline and not stop.is_set():
        roll = chooser.random()
        try:
            if roll < 0.35:
                body = {
                    "product_id": chooser.choice(product_ids),
                    "quantity": chooser.randint(1, 50),
                }
                answer = session.post(f"{origin}/api/quotes", json=body, timeout=10)
                if answer.status_code == 201:
                    quote = answer.json()
                    own_numbers.append(quote["number"])
                    with traffic.lock:
                        traffic.created.append((owner, quote))
            elif roll < 0.7:
                answer = session.get(f"{origin}/api/quotes", timeout=10)
            elif roll < 0.85 and own_numbers:
                answer = session.get(
                    f"{origin}/api/quotes/{chooser.choice(own_numbers)}", timeout=10
                )
            else:
                answer = session.get(f"{origin}/api/products", timeout=10)
            with traffic.lock:
                traffic.statuses[answer.status_code] += 1
        except requests.RequestException as exc:
            with traffic.lock:
                traffic.connection_errors.append(type(exc).__name__)
            if stop.is_set():
                return
            time.sleep(0.02)
    session.close()


def run_traffic(
    origin: str,
    tokens: list[str],
    product_ids: list[str],
    clients: int,
    seconds: float,
    stop: threading.Event | None = None,
    traffic: Traffic | None = None,
) -> Traffic:
    """Run `clients` concurrent clients for `seconds` (or until `stop` is set) and tally."""
    traffic = traffic or Traffic()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client,
            args=(
                origin,
                tokens[n % len(tokens)],
                n % len(tokens),
                product_ids,
                deadline,
                stop,
                traffic,
                n,
            ),
            daemon=True,
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return traffic


def product_ids(origin: str, token: str) -> list[str]:
    """The catalogue's product ids."""
    answer = requests.get(
        f"{origin}/api/products", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    answer.raise_for_status()
    return [product["id"] for product in answer.json()["products"]]
