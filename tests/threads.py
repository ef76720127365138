"""Running calls at the same moment in real threads, each on its own database connection (concurrency tests)."""

import threading

from django.db import connection


def at_once(*calls, timeout: float = 120):
    """Run each call in its own thread, released together; the outcome of each: a value or the exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # the caller judges every outcome, a refusal included
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
