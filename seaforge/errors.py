"""The one kind of error a user can fix: the CLI prints it as a single `error:` line and exits 2."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input (argument, file, field, model name) that changes nothing.

    The message names what is wrong and where (file, line, field). Areas subclass it
    (``ConfigError``, ``RecipeError``, ``BackendError`` ...) so callers can catch one area's errors.
    """
