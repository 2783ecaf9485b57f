"""A reference between the two sides of (a): a Faust agent that forwards every record unchanged,
in an app built by Muster's own `streams.app.create_app` (same client settings, no handlers), logging
set up as `muster worker` sets it up (Faust's own set-up left its libraries' debug records on).

    MUSTER_*=... python -m bench.faust_passthrough SOURCE TARGET
"""
from __future__ import annotations

import sys


def main() -> None:
    import faust

    from muster.logs import configure
    from muster.settings import get_settings
    from streams.app import create_app

    source_name, target_name = sys.argv[1], sys.argv[2]
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    source, target = app.topic(source_name), app.topic(target_name)

    @app.agent(source, name="forward", concurrency=1)
    async def forward(stream):
        async for event in stream.events():
            await target.send(key=event.key, value=event.value)

    configure("WARNING")
    faust.Worker(app, loglevel="warning", override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
