"""What every demo's command line shares, so that each misuse is handled once, the same way.

- ``Parser``: an ``argparse.ArgumentParser`` whose errors print the one-line usage, the message
  and a pointer to ``--help`` (exit 2), not the whole usage.
- ``output_file(*extensions)``: an argparse ``type=`` for a file the demo will write: the
  extension must be one of those given and the folder writable, checked before any work.
- ``reject_inapplicable``: flags that the chosen option does not take (``--momentum`` with
  ``--optimizer adam``) are argparse errors.
- ``check_loss`` raises ``Diverged`` at the first non-finite loss; ``quiet_numerics`` keeps
  NumPy's overflow warnings from the terminal meanwhile; ``run_main`` prints ``Diverged`` as one
  line (exit 1) and ends quietly when stdout is closed (``| head -1``: exit 141, no traceback).
"""
import argparse
import contextlib
import os
import sys
import warnings

import numpy as np

EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE (128 + 13)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are three short lines on stderr, then exit 2."""

    def error(self, message):
        """Print ``usage: PROG [options]``, ``PROG: error: MESSAGE`` and where the rest is."""
        self.exit(2, f"usage: {self.prog} [-h] [options]\n{self.prog}: error: {message}\n"
                     f"run '{self.prog} --help' for every option\n")


def output_file(*extensions):
    """An argparse ``type=`` for a path to write: ``FILE.ext`` with ``ext`` among ``extensions``
    (any case), not a folder, in a folder that exists and is writable. The path is returned as
    given; the caller writes exactly it (``format=`` from ``extension_of``)."""
    allowed = tuple(e.lower() for e in extensions)
    names = ", ".join(f"FILE.{e}" for e in allowed[:-1]) + f" or FILE.{allowed[-1]}" \
        if len(allowed) > 1 else f"FILE.{allowed[0]}"

    def parse(path):
        if os.path.isdir(path):
            raise argparse.ArgumentTypeError(f"{path} is a folder; give a file name: {names}")
        extension = extension_of(path)
        if extension not in allowed:
            got = f"the extension .{extension}" if extension else "no extension"
            raise argparse.ArgumentTypeError(f"{path} has {got}; give {names}")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise argparse.ArgumentTypeError(f"cannot write {path}: no folder {folder}")
        if not os.access(folder, os.W_OK):
            raise argparse.ArgumentTypeError(f"cannot write {path}: the folder {folder} "
                                             f"is not writable")
        return path
    return parse


def extension_of(path):
    """``'png'`` for ``'a/b.PNG'``; ``''`` when the name has no extension."""
    return os.path.splitext(os.path.basename(path))[1][1:].lower()


def reject_inapplicable(parser, args, choice, applicable):
    """Exit 2 if a flag was given that the chosen ``choice`` does not take.

    ``choice`` is a destination name (``"optimizer"``); ``applicable`` maps each of its values to
    the destinations it takes. A flag counts as given when its value is not None (so its default
    must be None, filled in afterwards)."""
    chosen = getattr(args, choice)
    every = sorted({dest for dests in applicable.values() for dest in dests})
    for dest in every:
        if dest in applicable[chosen] or getattr(args, dest) is None:
            continue
        takers = [name for name, dests in applicable.items() if dest in dests]
        flag, owner = "--" + dest.replace("_", "-"), "--" + choice.replace("_", "-")
        parser.error(f"{flag} does not apply to {owner} {chosen}; only {owner} "
                     f"{', '.join(takers)} take{'s' if len(takers) == 1 else ''} it")


# ---- a diverging loss -------------------------------------------------------------------------
class Diverged(ArithmeticError):
    """The loss became non-finite: where, and what to change."""

    def __init__(self, value, epoch, step, steps, hint):
        self.value, self.epoch, self.step, self.steps, self.hint = value, epoch, step, steps, hint
        super().__init__(f"training diverged: the loss is {value} at epoch {epoch}, step {step} "
                         f"of {steps}; {hint}")


def check_loss(value, epoch, step, steps, hint):
    """Raise ``Diverged`` unless the loss ``value`` is finite; returns it otherwise."""
    if not np.isfinite(value):
        raise Diverged(float(value), epoch, step, steps, hint)
    return value


@contextlib.contextmanager
def quiet_numerics():
    """Silence NumPy's overflow/invalid/divide warnings and RuntimeWarnings inside: a diverging
    run is reported once, by ``check_loss``, not by a warning from inside the library."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ---- the entry point ---------------------------------------------------------------------------
def run_main(main, argv=None):
    """Run ``main(argv)`` as a script's entry point and exit with its return value (None is 0).

    A closed stdout (``| head -1``) ends it quietly with exit 141; ``Diverged`` is printed as one
    ``error:`` line on stderr with exit 1."""
    try:
        code = main(argv)
        sys.stdout.flush()  # a closed pipe shows here when the output was buffered
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
        _stdout_to_devnull()
    except Diverged as error:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        print(f"error: {error}", file=sys.stderr)
        code = 1
    sys.exit(code)


def _stdout_to_devnull():
    """Point stdout's descriptor at /dev/null, so that the interpreter's last flush of what is
    still buffered does not fail again (and print 'Exception ignored ...') at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
