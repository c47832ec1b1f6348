"""The control plane: the mock's clock, report jobs, fault rules, journal and state.

Served over HTTP under `/__mock/` (spec/control.yaml) and driven in-process by the test kit
(`events_mock.testing`). Domain logic lives in plain modules (`faults`, `journal`, `state`);
`api` and `middleware` only connect it to HTTP.
"""

from events_mock.control.plane import CONTROL_PREFIX, ControlPlane, ControlSettings

__all__ = ["CONTROL_PREFIX", "ControlPlane", "ControlSettings"]
