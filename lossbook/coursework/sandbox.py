"""The sandbox of the grader: bubblewrap around the fork server, namespaces and a uid per submission.

The grader's fork server (:mod:`lossbook.coursework._runner`) runs inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, the
sandbox of Flatpak): a read-only view of the system and of Python's
installation only (not the repository, the submissions, the output or the
grader's temporary files), its own PID, network, IPC and UTS namespaces,
killed when the grading worker dies. For each submission the server forks a
child that enters new PID, mount, network, IPC and UTS namespaces of its own,
mounts an empty, size-limited ``/tmp`` (its work dir), hides lossbook's files,
withholds lossbook's implementation of the exercises' functions, and drops
from root to a uid of its own with no capabilities, ``no_new_privs`` and a
process limit. See ``teachers_guide.md`` for what this guarantees and what it
does not.

Giving each submission its own uid needs root (in a container or VM used for
grading) and user namespaces that bubblewrap may create. :func:`problem`
says why the sandbox cannot run here, if it cannot.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: First uid given to submissions; each worker process takes 1000 uids from
#: ``FIRST_UID + 1000 * (its pid mod 2**21)``, one per submission in turn.
FIRST_UID = 10_000_000
_counter = itertools.count()


class SandboxUnavailable(RuntimeError):
    """The grader cannot sandbox submissions on this machine (the message says why)."""


def next_uid():
    """A uid for the next submission graded by this process: not root, not a user of the system."""
    return FIRST_UID + 1000 * (os.getpid() % 2**21) + next(_counter) % 1000


def lossbook_dir():
    import lossbook

    return str(Path(lossbook.__file__).resolve().parent)


def _visible_paths():
    """What the sandbox sees, read-only: the system's programs and libraries, Python, and lossbook."""
    package = lossbook_dir()
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"]
    paths += [sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(sys.executable).resolve().parent)]
    # Python's own folders and installed packages; not other sys.path entries such as the repository
    # lossbook is imported from (it holds the solutions, chapters/) or a test folder: of those, only
    # lossbook's package is shown
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or "dist-packages" in entry):
            paths.append(str(Path(entry).resolve()))
    paths.append(package)
    paths += [os.path.realpath(p) for p in paths if os.path.islink(p)]  # a symlinked venv: its target too
    shown = []
    for path in sorted({os.path.abspath(p) for p in paths}, key=lambda p: (p.count("/"), p)):
        if not os.path.lexists(path) or any(path == s or path.startswith(s.rstrip("/") + "/") for s in shown):
            continue
        shown.append(path)
    return shown


def shadow_tmp():
    """True if a submission can have an empty ``/tmp`` of its own: nothing it needs is bound under ``/tmp``."""
    return not any(path == "/tmp" or path.startswith("/tmp/") for path in _visible_paths())


def bwrap_command():
    """The ``bwrap`` command line that starts a fork server (its own command follows it)."""
    args = [
        shutil.which("bwrap") or "bwrap",
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
    ]  # fmt: skip
    made = set()
    for path in _visible_paths():
        for parent in reversed(Path(path).parents[:-1]):  # bwrap would make them 0700: unreadable for the uid
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind", path, path]
    return args + ["--chdir", "/tmp", "--"]


@functools.cache
def problem():
    """None if submissions can be sandboxed here; otherwise why not, in a sentence."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (namespaces); this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if os.geteuid() != 0:
        return (
            "the sandbox gives every submission a uid of its own, which needs root: run the grader as root "
            "in a VM or container used only for grading"
        )
    probe = "import os, json; print(os.getuid())"
    try:
        proc = subprocess.run(
            [*bwrap_command(), sys.executable, "-P", "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not start: {exc}"
    if proc.returncode != 0:
        return f"bubblewrap cannot create namespaces here (user namespaces disabled?): {proc.stderr.strip()[-300:]}"
    return None


def require(unsandboxed=False):
    """Raise :class:`SandboxUnavailable` unless the sandbox works here or ``unsandboxed`` is given."""
    if unsandboxed:
        return
    reason = problem()
    if reason is not None:
        raise SandboxUnavailable(
            f"refusing to grade: {reason}. Submissions are untrusted code; without the sandbox a notebook "
            "can read its classmates' work, change grades and reach the network. Pass --unsandboxed "
            "(unsandboxed=True) only for work you trust."
        )
