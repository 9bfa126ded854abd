"""The helpers both services build rows and views with: ``try_insert``, ``new_row``,
``from_attributes`` and the CLI's ``command_line``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, UniqueConstraint, create_engine, select
from sqlalchemy.orm import Session, declarative_base

from service_kit.db import try_insert
from service_kit.entrypoints import command_line, command_parser
from service_kit.models import new_row
from service_kit.schemas import ResponseModel, from_attributes

Base = declarative_base()


class Note(Base):
    __tablename__ = "notes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    key = Column(String(16), nullable=False)
    text = Column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("key", name="uq_notes_key"),)


class NoteIn(BaseModel):
    key: str
    text: str
    reply_to: Optional[int] = None  # a request field with no column of that name


@pytest.fixture()
def session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def test_try_insert_writes_the_row_or_refuses_it_and_keeps_the_transaction(
    session: Session,
) -> None:
    first = Note(key="k1", text="first")
    assert try_insert(session, first)
    assert first.id is not None  # flushed: the id is known at once
    other = Note(key="k2", text="other")
    session.add(other)
    assert not try_insert(session, Note(key="k1", text="second"))
    session.commit()
    rows = session.execute(select(Note.key, Note.text).order_by(Note.key)).all()
    assert [tuple(row) for row in rows] == [("k1", "first"), ("k2", "other")]


def test_new_row_copies_the_request_fields_that_are_columns() -> None:
    request = NoteIn(key="k1", text="  Hello ", reply_to=7)
    note = new_row(Note, request, text="Hello")
    assert (note.key, note.text) == ("k1", "Hello")
    assert not hasattr(note, "reply_to")


def test_new_row_refuses_a_value_for_no_column() -> None:
    with pytest.raises(TypeError):
        new_row(Note, NoteIn(key="k", text="t"), colour="red")


@dataclass
class NoteInfo:
    key: str
    text: str
    length: int
    created_at: Optional[datetime] = None


class NoteOut(ResponseModel):
    id: int
    key: str
    text: str
    shouted: bool = False


def test_from_attributes_builds_a_dataclass_with_the_derived_fields() -> None:
    note = Note(id=3, key="k", text="hi")
    info = from_attributes(NoteInfo, note, length=len(note.text))
    assert info == NoteInfo(key="k", text="hi", length=2)


def test_from_attributes_builds_a_response_model_and_derived_fields_win() -> None:
    note = Note(id=3, key="k", text="hi")
    out = from_attributes(NoteOut, note, text="HI", shouted=True)
    assert out == NoteOut(id=3, key="k", text="HI", shouted=True)


def test_from_attributes_still_requires_what_the_source_lacks() -> None:
    when = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with pytest.raises(TypeError):
        from_attributes(NoteInfo, Note(key="k", text="t"), created_at=when)


def test_command_line_builds_a_fresh_parser_per_call_and_reads_sys_argv(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[argparse.ArgumentParser] = []

    def build_parser() -> argparse.ArgumentParser:
        parser, commands = command_parser("notes", "help")
        say = commands.add_parser("say")
        say.add_argument("word")
        say.set_defaults(run=lambda args: args.word)
        built.append(parser)
        return parser

    main = command_line(build_parser)
    assert main(["say", "hello"]) == 0
    monkeypatch.setattr(sys, "argv", ["notes", "say", "again"])
    assert main() == 0
    assert capsys.readouterr().out == "hello\nagain\n"
    assert len(built) == 2 and built[0] is not built[1]
