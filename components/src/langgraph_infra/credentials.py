"""Generated credentials that rotate: a password whose keeper is a `time.Rotating` resource, so the first `pulumi up`
after the period generates a new one (and every consumer of the old one is updated in the same run).

How a new value reaches what uses it is each target's business: the database bootstrap sets the new password on the
server's role (its input follows the URI secret's version), ECS services roll to a task definition that names the
new secret versions, Cloud Run revisions pin secret versions, Docker containers are replaced. See docs/security.md.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random
import pulumiverse_time as time

from .naming import child


def generated_password(name: str, *, length: int, rotation_days: int | None,
                       parent: pulumi.Resource) -> pulumi.Output[str]:
    """A random password of letters and digits (`RandomPassword` named `name`). With `rotation_days`, a
    `<name>-rotation` timer is its keeper: once the period has passed, the next `pulumi up` replaces both. Without
    it, the password never changes by itself."""
    keepers = None
    if rotation_days:
        timer = time.Rotating(child(name, "rotation"), rotation_days=rotation_days,
                              opts=pulumi.ResourceOptions(parent=parent))
        keepers = {"rotation": timer.rotation_rfc3339}
    password = random.RandomPassword(name, length=length, special=False, keepers=keepers,
                                     opts=pulumi.ResourceOptions(parent=parent))
    return password.result
