"""Checks of ``forms``: the hypermedia controls of a Thing and of each of its affordances.

Which ``op`` values a form may carry depends on where it is (a property, an action, an event,
or the Thing itself), so each place has its :class:`Operations`; everything else in a form is
shared.
"""

from __future__ import annotations

from thingreg.core.td import terms
from thingreg.core.td.report import Report, one_of_message, type_message


class Operations:
    """The ``op`` values allowed in one kind of form, and the message naming them."""

    __slots__ = ("allowed", "message", "required")

    def __init__(self, *names: str, required: bool = False) -> None:
        self.allowed = frozenset(names)
        self.message = one_of_message(names)
        self.required = required


PROPERTY_OPS = Operations("readproperty", "writeproperty", "observeproperty", "unobserveproperty")
ACTION_OPS = Operations("invokeaction", "queryaction", "cancelaction")
EVENT_OPS = Operations("subscribeevent", "unsubscribeevent")
THING_OPS = Operations(
    "readallproperties",
    "writeallproperties",
    "readmultipleproperties",
    "writemultipleproperties",
    "observeallproperties",
    "unobserveallproperties",
    "queryallactions",
    "subscribeallevents",
    "unsubscribeallevents",
    required=True,  # a Thing-level form means nothing without the operation it offers
)


def check_forms(r: Report, path: str, value: object, ops: Operations) -> None:
    """The ``forms`` member of the object at ``path``: a non-empty array of forms."""
    if not isinstance(value, list):
        r.wrong_type(path, "forms", "array", value)
        return
    here = f"{path}.forms" if path else "forms"
    if not value:
        r.add(here, "Array must have at least 1 items")
        return
    for index, form in enumerate(value):
        _form(r, f"{here}.{index}", form, ops)


def _form(r: Report, path: str, form: object, ops: Operations) -> None:
    if not isinstance(form, dict):
        r.add(path, type_message("object", form))
        return
    if "href" not in form:
        r.missing(path, "href")
    if ops.required and "op" not in form:
        r.missing(path, "op")
    for key, value in form.items():
        if key in {"href", "contentType", "contentCoding", "subprotocol"}:
            if not isinstance(value, str):  # inline: the most frequent check of a TD
                r.wrong_type(path, key, "string", value)
        elif key == "op":
            _op(r, path, value, ops)
        elif key == "security":
            terms.string_or_strings(r, path, key, value, non_empty=True)
        elif key == "scopes":
            terms.string_or_strings(r, path, key, value)
        elif key == "response":
            _response(r, path, value)
        elif key == "additionalResponses":
            _additional_responses(r, path, value)


def _op(r: Report, path: str, value: object, ops: Operations) -> None:
    if isinstance(value, str):
        if value not in ops.allowed:
            r.member(path, "op", ops.message)
    elif isinstance(value, list):
        here = f"{path}.op"
        if not value:
            r.add(here, "Array must have at least 1 items")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                r.wrong_type(here, index, "string", item)
            elif item not in ops.allowed:
                r.member(here, index, ops.message)
    else:
        r.wrong_type(path, "op", "string or array", value)


def _response(r: Report, path: str, value: object) -> None:
    if not isinstance(value, dict):
        r.wrong_type(path, "response", "object", value)
        return
    here = f"{path}.response"
    if "contentType" not in value:
        r.missing(here, "contentType")
    else:
        terms.string(r, here, "contentType", value["contentType"])


def _additional_responses(r: Report, path: str, value: object) -> None:
    if not isinstance(value, list):
        r.wrong_type(path, "additionalResponses", "array", value)
        return
    here = f"{path}.additionalResponses"
    for index, response in enumerate(value):
        if not isinstance(response, dict):
            r.wrong_type(here, index, "object", response)
            continue
        item_path = f"{here}.{index}"
        for key, member in response.items():
            if key in {"contentType", "schema"}:
                terms.string(r, item_path, key, member)
            elif key == "success":
                terms.boolean(r, item_path, key, member)
