"""Errors a user can act on, and their exit codes: 1 the build failed (corpus, templates, outputs, lock),
2 the command line or the config is wrong. Schedulers rely on these."""


class BriefgenError(Exception):
    """A failure reported as one line, without a traceback."""

    exit_code = 1


class ConfigError(BriefgenError):
    """The config (or a flag overriding it) is wrong. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class InputError(BriefgenError):
    """The corpus as a whole is unusable (missing, empty, nothing readable)."""


class RenderError(BriefgenError):
    """A template is missing or broken, or an output could not be written."""


class BusyError(BriefgenError):
    """Another run of the same briefing holds its lock."""
