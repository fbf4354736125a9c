"""Memories written in Chinese, Japanese and Korean are found by a word inside a sentence.

These scripts put no spaces between words, so the index holds each run of their characters as overlapping
pairs (`engine.cjk`), the same way when a memory is stored and when a task's words are looked up.
Every test runs on a FakeClock against a real database.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.cjk import index_form
from engine.clock import FakeClock
from engine.memory import MemoryBook, Profile
from engine.memory.text import keywords, same_fact
from engine.office import Office
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
