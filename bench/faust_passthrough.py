"""References between the two sides of (a): a Faust agent that forwards every record unchanged,
in an app built by Muster's own `streams.app.create_app` (same client settings, no handlers), logging
set up as `muster worker` sets it up (Faust's own set-up left its libraries' debug records on).

    MUSTER_*=... python -m bench.faust_passthrough SOURCE TARGET [batched]

`batched` forwards with the batching Faust offers an agent: `stream.take_events` hands it up to
BATCH events at a time, and `send_soon` puts each copy in the producer's buffer without a wait. It
shows whether batching lifts what Faust's per-event machinery costs, before any handler runs.
"""
from __future__ import annotations

import sys

BATCH = 500
WITHIN_S = 0.005


def main() -> None:
    import faust

    from core.settings import get_settings
    from muster.logs import configure
    from streams.app import create_app

    source_name, target_name = sys.argv[1], sys.argv[2]
    batched = sys.argv[3:] == ["batched"]
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    source, target = app.topic(source_name), app.topic(target_name)

    if batched:
        @app.agent(source, name="forward", concurrency=1)
        async def forward(stream):
            async for events in stream.take_events(BATCH, within=WITHIN_S):
                for event in events:
                    target.send_soon(key=event.key, value=event.value)
    else:
        @app.agent(source, name="forward", concurrency=1)
        async def forward(stream):
            async for event in stream.events():
                await target.send(key=event.key, value=event.value)

    configure("WARNING")
    faust.Worker(app, loglevel="warning", override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
