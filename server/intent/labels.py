"""Dataset intents → this product's (service, operation), in one place for training and evaluation.

SLURP and HWU64 name intents `scenario_intent`; the email and calendar ones map onto Gmail and Calendar operations
(the data README's mapping), every other scenario is out of scope. Our own utterances are labelled directly
"service/operation". A model class is "hwu:<intent>" or "ours:<service>/<operation>".
"""
from __future__ import annotations

OUT_OF_SCOPE: tuple[str, str] = ("none", "out_of_scope")

DATASET_INTENTS: dict[str, tuple[str, str]] = {
    "email_query": ("gmail", "search"),
    "email_sendemail": ("gmail", "send"),
    "email_querycontact": ("gmail", "lookup_contact"),
    "email_addcontact": ("gmail", "add_contact"),
    "calendar_query": ("calendar", "search"),
    "calendar_set": ("calendar", "create_event"),
    "calendar_remove": ("calendar", "delete_event"),
}

# The datasets have one "send" intent for composing, replying and forwarding, and one "query" for searching and
# reading; an evaluation can count our finer operations as agreeing with them ("family" accuracy).
OPERATION_FAMILIES: dict[tuple[str, str], frozenset[str]] = {
    ("gmail", "send"): frozenset({"send", "draft", "reply", "forward"}),
    ("gmail", "search"): frozenset({"search", "read", "label"}),
    ("calendar", "search"): frozenset({"search", "read", "free_slots"}),
    ("calendar", "create_event"): frozenset({"create_event", "update_event"}),
    ("calendar", "delete_event"): frozenset({"delete_event"}),
    ("gmail", "lookup_contact"): frozenset({"lookup_contact"}),
    ("gmail", "add_contact"): frozenset({"add_contact"}),
}


def dataset_intent(scenario: str, intent: str) -> str:
    """`scenario_intent`, repairing SLURP's few rows whose intent lacks its scenario ("calendar" + "query")."""
    return intent if intent.startswith(scenario + "_") else f"{scenario}_{intent}"


def dataset_label(scenario: str, intent: str) -> tuple[str, str]:
    """The (service, operation) a SLURP/HWU64 intent stands for."""
    return DATASET_INTENTS.get(dataset_intent(scenario, intent), OUT_OF_SCOPE)


def class_label(model_class: str) -> tuple[str, str]:
    """The (service, operation) of a model class ("hwu:email_query", "ours:drive/share")."""
    source, _, name = model_class.partition(":")
    if source == "ours":
        service, _, operation = name.partition("/")
        return service, operation
    return DATASET_INTENTS.get(name, OUT_OF_SCOPE)
