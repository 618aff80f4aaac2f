"""The parts of the offline classifier below offline.py: verb rules and service cues (what words settle), the token
features the model reads, and the model file (saved and loaded, old words-only files included). No embedder is
loaded: the rules are plain regexes and the model tests use small random weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from server.intent.features import TOKEN_KINDS, bag_of_tokens, tokens
from server.intent.model import LinearIntentModel
from server.intent.rules import service_cues, verb_operation
from server.intent.train import build_vocabulary, class_weights


def rule(text: str) -> tuple[str, str] | None:
    return verb_operation(text, service_cues(text))


@pytest.mark.parametrize("text,expected", [
    # "compose" is writing a message to send; only "draft", or keeping it unsent, is a draft
    ("compose a note to the plumber about Tuesday", None),
    ("compose a message to the band and keep it as a draft", ("gmail", "draft")),
    ("write me a draft for the landlord", ("gmail", "draft")),
    ("draft a thank-you to the caterers", ("gmail", "draft")),
    # "cancel" names the calendar only with a calendar word; alone it is the model's to read ("cancel it." stops)
    ("cancel the standup on Monday", ("calendar", "delete_event")),
    ("that's all, just cancel it.", None),
    # to the trash is a deletion, not a move
    ("move the shipping notification emails to the trash", ("gmail", "trash")),
    ("put the old budget spreadsheet in the bin", ("drive", "trash")),
    ("take the dentist appointment off my calendar", ("calendar", "delete_event")),
    # an existing event changed: moved, pushed to, its details updated, an attendee added
    ("push the quarterly review meeting to next Thursday", ("calendar", "update_event")),
    ("update the time of the design meeting to 3pm", ("calendar", "update_event")),
    ("add Priyanka to tomorrow's planning meeting", ("calendar", "update_event")),
    ("slide the lunch with the auditors to 2pm", None),  # a verb, not Drive's slides: the model decides
    ("send the invoice email on to accounting", ("gmail", "forward")),
    # new entries
    ("pencil in drinks with the Berlin team on Friday", ("calendar", "create_event")),
    ("block 3 hours on Tuesday for the audit prep", ("calendar", "create_event")),
    ("put the school play on my calendar for the 12th", ("calendar", "create_event")),
    # looking things up
    ("find the thread about the parking permits", ("gmail", "search")),
    ("look up the onboarding slides in my drive", ("drive", "search")),
    ("show me my calendar for the week after next", ("calendar", "search")),
    ("do I have a physio appointment on Thursday?", ("calendar", "search")),
    ("when is my next one on one with Dmitri", ("calendar", "search")),
    ("list my reminders for tomorrow", ("calendar", "search")),
    ("do I have any time on Wednesday morning", ("calendar", "free_slots")),
    ("find me the email address of the new intern", None),  # a contact, not a mail search
])
def test_verb_rules(text: str, expected: tuple[str, str] | None) -> None:
    assert rule(text) == expected


@pytest.mark.parametrize("text,cues", [
    ("what does my Thursday look like", ["calendar"]),
    ("what does my social feed look like", []),
    ("anything planned for the long weekend?", ["calendar"]),
    ("open the meeting notes from the kickoff", ["drive"]),
    ("show me events with Farida next month", ["calendar"]),
    ("delete my grocery list in my notes", []),
])
def test_service_cues(text: str, cues: list[str]) -> None:
    assert service_cues(text) == cues


def test_token_kinds() -> None:
    words, bigrams, first, time = tokens("can you remind me tomorrow at 9 to call Ana", TOKEN_KINDS)
    assert words[:3] == ["can", "you", "remind"]
    assert bigrams[0] == "<s> can" and bigrams[-1] == "ana </s>"
    assert first == ["^remind", "^me"]  # politeness skipped
    assert "@time" in time and "@clock" in time


def test_bag_of_tokens_scales_each_kind_to_unit_length() -> None:
    texts = ["schedule a call tomorrow", "weather in oslo"]
    vocab = build_vocabulary(texts, min_count=1, kinds=("words", "time"))
    x = bag_of_tokens(texts, vocab, ("words", "time"))
    words_cols = [i for t, i in vocab.items() if not t.startswith("@")]
    time_cols = [i for t, i in vocab.items() if t.startswith("@")]
    assert np.linalg.norm(x[0, words_cols]) == pytest.approx(1.0)
    assert np.linalg.norm(x[0, time_cols]) == pytest.approx(1.0)
    assert np.linalg.norm(x[1, time_cols]) == 0.0


def test_class_weights_even_out_class_sizes() -> None:
    y = np.array([0, 0, 0, 1])
    assert class_weights(y, 2, "none") is None
    w = class_weights(y, 2, "balanced")
    assert w is not None and w[:3].sum() == pytest.approx(w[3])


def _model() -> LinearIntentModel:
    rng = np.random.default_rng(0)
    classes = ["hwu:calendar_query", "hwu:weather_query", "ours:drive/share"]
    vocab = {"meeting": 0, "rain": 1, "@time": 2}
    return LinearIntentModel(classes, vocab, rng.standard_normal((384 + 3, 3)).astype(np.float32),
                             np.zeros(3, np.float32), in_scope_bias=1.5, token_kinds=("words", "time"),
                             kind_weights=(1.0, 0.5))


def test_save_and_load_keep_what_the_model_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    emb = rng.standard_normal((2, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    model = _model()
    model.save(tmp_path / "m.npz")
    loaded = LinearIntentModel.load(tmp_path / "m.npz")
    assert loaded.token_kinds == ("words", "time") and loaded.kind_weights == (1.0, 0.5)
    texts = ["any meeting tomorrow", "will it rain"]
    for a, b in zip(model.label_probabilities(emb, texts), loaded.label_probabilities(emb, texts)):
        assert list(a) == list(b)
        assert all(abs(a[k] - b[k]) < 1e-2 for k in a)


def test_a_words_only_model_file_still_loads(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "old.npz"
    np.savez_compressed(path, classes=np.array(model.classes), vocabulary=np.array(["meeting", "rain"]),
                        weights=model.weights[:386].astype(np.float16), bias=model.bias,
                        scale=np.float32(10), in_scope_bias=np.float32(2), embedder_name=np.array("minilm-l6-v2-int8"))
    loaded = LinearIntentModel.load(path)
    assert loaded.token_kinds == ("words",)
    assert len(loaded.label_probabilities(np.zeros((1, 384), np.float32), ["meeting"])) == 1
