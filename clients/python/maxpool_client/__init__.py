"""Python client for the maxpool control plane (gRPC, ``maxpool.v1``).

    from maxpool_client import connect

    with connect("127.0.0.1:3457", token="…") as mp:
        for account in mp.list_accounts():
            print(account.name, account.state)

``connect``/``Client`` wrap the common calls; ``MaxpoolError`` is what a failed call raises;
``Client.events`` iterates the event stream, yielding ``Gap`` markers where events were missed.
The generated messages and stubs are in ``maxpool_client.v1`` (``accounts_pb2``, ``routing_pb2``,
``lifecycle_pb2``, ``telemetry_pb2``, ``config_pb2`` and their ``*_pb2_grpc``).
"""

from .client import Client, account_name, connect
from .errors import MaxpoolError
from .events import EventStream, Gap

__all__ = ["Client", "EventStream", "Gap", "MaxpoolError", "account_name", "connect"]
__version__ = "0.1.0"
