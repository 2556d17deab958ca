"""The demo (演示): the workbench full of the article's year, in one command.

`prepare_demo` plays the Zhangjiajie simulation (`govbiz.simulation`) into
a SQLite ledger in a folder, and makes a workbench user for each of its
people: the United Front Work Department (`tzb`), the secretariat
(`bgs`), the supervision office (`dcs`), each leader (`leader-shuji` …)
and each department (`dept-zgj` …), all with one random password.  The
ledger keeps the simulation's clock, stopped at the end of its last day
(2023-11-15), so the deadlines read as they did that evening.
`govbiz demo` prepares it in a temporary folder, prints how to sign in,
and serves it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import attrs

from govbiz.domain.actors import Actor
from govbiz.ledger import Ledger

__all__ = ["Demo", "prepare_demo"]


@attrs.frozen
class Demo:
    """A prepared demo: its ledger (on the simulation's clock), the users' logins and the password."""

    ledger: Ledger
    url: str
    users: dict[str, Actor]
    password: str = attrs.field(repr=False)


def prepare_demo(folder: Path, *, scenario: str = "zhangjiajie") -> Demo:
    """Play `scenario` into `folder`/demo.db and make its people workbench users."""
    from govbiz.simulation import load_scenario, run_simulation
    from govbiz.simulation.actors import cast_of
    from govbiz_api.tables import ApiDatabase
    from govbiz_api.workbench.users import UserStore

    url = f"sqlite:///{folder / 'demo.db'}"
    run = run_simulation(load_scenario(scenario), url=url)
    cast = cast_of(run.scenario, run.main)
    people = [
        cast.collector,
        cast.secretariat,
        cast.supervisor,
        *cast.chairs.values(),
        *cast.handlers.values(),
    ]
    users = {actor.id.removeprefix(f"{run.main.code}-"): actor for actor in people}
    password = secrets.token_urlsafe(9)
    store = UserStore(ApiDatabase(run.ledger.store))
    now = run.ledger.clock.now()
    for login, actor in users.items():
        store.create(login, actor, password, now=now)
    from govbiz.storage.attachments import FileAttachmentStore

    run.ledger.attachments = FileAttachmentStore(folder / "attachments")  # beside the demo ledger
    return Demo(ledger=run.ledger, url=url, users=users, password=password)
