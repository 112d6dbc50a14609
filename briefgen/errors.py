"""Errors a user can act on. Each kind maps to its own exit code."""


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

    exit_code = 3


class RenderError(BriefgenError):
    """A template is missing or broken, or an output could not be written."""

    exit_code = 4
