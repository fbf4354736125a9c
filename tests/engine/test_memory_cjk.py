"""Memories written in Chinese, Japanese and Korean are found by a word inside a sentence.

These scripts put no spaces between words, so the index holds each run of their characters as overlapping
pairs (`engine.cjk`), the same way when a memory is stored and when a task's words are looked up; offices
from before are re-indexed by migration 0010. Every test runs on a FakeClock against a real database.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from engine.cjk import index_form
from engine.clock import FakeClock
from engine.memory import MemoryBook, Profile
from engine.memory.text import keywords, same_fact
from engine.office import Office
from engine.store import memory_reads as reads
from engine.store.db import alembic_config, make_engine, open_database
from engine.store.reading import MIGRATIONS
from engine.testing import ScriptedModel
from tests.engine.conftest import OfficeFactory

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ADA = Profile("emp_a")


@pytest.fixture
async def book(make_office: OfficeFactory) -> MemoryBook:
    office: Office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY))
    return office.memory


async def _found(book: MemoryBook, query: str) -> list[str]:
    return [m.text for m, _ in await book.recall(ADA, query)]


async def test_a_two_character_word_finds_a_chinese_memory_it_sits_inside(book: MemoryBook) -> None:
    await book.remember(ADA, "customers", "客户喜欢周一开会")
    await book.remember(ADA, "facts", "仓库的钥匙在前台")  # the warehouse key is at the front desk
    assert await _found(book, "开会") == ["客户喜欢周一开会"]
    assert await _found(book, "请安排下周一和客户开会讨论预算") == ["客户喜欢周一开会"]  # a task that mentions it
    assert await _found(book, "钥匙") == ["仓库的钥匙在前台"]
    assert await _found(book, "开车") == []  # one character shared is not a word found


async def test_a_japanese_memory_is_found_by_a_word_inside_it(book: MemoryBook) -> None:
    await book.remember(ADA, "customers", "山田様は月曜日の会議が好きです")
    await book.remember(ADA, "facts", "ミーティングは毎週金曜日の午後")
    assert await _found(book, "会議") == ["山田様は月曜日の会議が好きです"]
    assert await _found(book, "ミーティング") == ["ミーティングは毎週金曜日の午後"]  # a longer word: its pairs in order
    friday = await _found(book, "金曜日")  # its pairs, each a word: "曜日" is in Monday too, ranked below
    assert friday == ["ミーティングは毎週金曜日の午後", "山田様は月曜日の会議が好きです"]


async def test_a_korean_word_is_found_with_its_particle_attached(book: MemoryBook) -> None:
    await book.remember(ADA, "preferences", "고객은 카드 결제를 좋아한다")
    assert await _found(book, "결제") == ["고객은 카드 결제를 좋아한다"]


async def test_a_mixed_memory_is_found_by_its_latin_or_its_chinese_words(book: MemoryBook) -> None:
    await book.remember(ADA, "customers", "Acme的客户preferences: 周一开会")
    assert await _found(book, "Acme") == ["Acme的客户preferences: 周一开会"]
    assert await _found(book, "prefers") == ["Acme的客户preferences: 周一开会"]  # still stemmed, glued to Chinese
    assert await _found(book, "客户") == ["Acme的客户preferences: 周一开会"]
    assert await _found(book, "开会") == ["Acme的客户preferences: 周一开会"]


async def test_a_chinese_repeat_strengthens_and_a_changed_fact_is_kept(book: MemoryBook) -> None:
    once = await book.remember(ADA, "customers", "客户喜欢周一上午开会", importance=0.6)
    again = await book.remember(ADA, "customers", "客户喜欢周一上午开会。", importance=0.6)
    assert again.duplicate and again.memory.id == once.memory.id
    for changed in ("客户喜欢周五上午开会", "客户不喜欢周一上午开会", "不要周一上午开会"):
        kept = await book.remember(ADA, "customers", changed)
        assert not kept.duplicate and kept.memory.id != once.memory.id, changed


def test_same_fact_reads_chinese_japanese_and_korean() -> None:
    assert same_fact("客户喜欢周一开会", "客户喜欢周一开会。")
    assert same_fact("客户喜欢在周一上午开会", "备注：客户喜欢在周一上午开会")  # says it more fully
    assert not same_fact("客户喜欢周一开会", "客户喜欢周五开会")  # Monday is not Friday
    assert not same_fact("要在周一上午开会讨论预算", "不要在周一上午开会讨论预算")  # negated at the front
    assert not same_fact("山田様に月曜日に電話する", "山田様に月曜日に電話しない")
    assert not same_fact("고객에게 월요일에 카드로 결제를 받는다", "고객에게 월요일에 카드로 결제를 안 받는다")
    assert not same_fact("客户喜欢周一开会", "仓库的钥匙在前台")


def test_keywords_cut_cjk_into_pairs_and_leave_latin_as_it_was() -> None:
    assert keywords("客户喜欢周一开会") == ["客户", "户喜", "喜欢", "欢周", "周一", "一开", "开会"]
    assert keywords("猫。Our HR contact in the EU is Jo") == ["猫", "hr", "contact", "eu", "jo"]
    assert index_form("Acme prefers email") == "Acme prefers email"  # Latin text is indexed exactly as before
    assert index_form("Acme的客户") == "Acme 的客 客户 "


# --- offices from before: migration 0010 -------------------------------------------------------------


def _migration() -> ModuleType:
    path = next((MIGRATIONS / "versions").glob("0010_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migrations_frozen_copy_transforms_as_the_runtime_does() -> None:
    frozen = _migration()._index_form
    samples = [
        "客户喜欢周一开会",
        "Acme的客户preferences: 周一开会, 猫",
        "山田様は月曜日の会議が好きです。ﾐｰﾃｨﾝｸﾞ々〆",
        "고객은 카드 결제를 좋아한다 ᄀᄁ ㄱㄴ",
        "𠀀𠀁 CJK extension B, then 丽 compatibility",
        "ประชุมวันจันทร์ Plain English, nothing to change",
        "",
    ]
    for text in samples:
        assert frozen(text) == index_form(text), text
    every = "".join(chr(c) for c in range(0x1100, 0x32000) if not 0xD800 <= c < 0xE000)
    assert frozen(every) == index_form(every)


def _downgrade(path: Path) -> None:
    from alembic import command

    engine = make_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
    engine.dispose()


def test_an_older_office_is_reindexed_and_its_chinese_memory_found(tmp_path: Path) -> None:
    path = tmp_path / "headcount.db"
    open_database(path, tmp_path / "backups").dispose()
    _downgrade(path)
    with sqlite3.connect(path) as conn:  # as 0009 stored them: each run of characters one token
        rows = [(1, "客户喜欢周一开会", "Acme"), (2, "Bolt Cafe prefers email", "")]
        for n, text, subject in rows:
            conn.execute(
                "INSERT INTO memories (n, id, employee_id, kind, subject, text, source, created_at) "
                "VALUES (?, ?, 'emp_a', 'customers', ?, ?, 'owner', ?)",
                (n, f"mem_{n}", subject, text, MONDAY.isoformat()),
            )
            conn.execute("INSERT INTO memory_fts (rowid, text) VALUES (?, ?)", (n, f"{text} {subject}".strip()))
    open_database(path, tmp_path / "backups").dispose()
    engine = make_engine(path)
    with engine.connect() as conn:

        def search(query: str) -> list[str]:
            found = reads.search(conn, "emp_a", None, keywords(query), now=MONDAY.isoformat())
            return [m.id for m, _ in found]

        assert search("开会") == ["mem_1"]
        assert search("Acme") == ["mem_1"]
        assert search("preferences") == ["mem_2"]  # a Latin memory is left as it was, and still stemmed
    engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] >= "0010"
        assert conn.execute("SELECT text FROM memory_fts WHERE rowid = 2").fetchone()[0] == "Bolt Cafe prefers email"
    _downgrade(path)  # and back: the index as 0009 held it
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT text FROM memory_fts WHERE rowid = 1").fetchone()[0] == "客户喜欢周一开会 Acme"
