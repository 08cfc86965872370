"""Chinese questions: the graph's entities named in Chinese, the cue words of each intent, and answers in Chinese.

* **Entities**: forward maximum matching of the question against the Chinese spellings of the
  vocabulary (``graphstore/data/vocab/zh.csv``: colours, categories, materials, genders, patterns,
  styles): at each position the longest spelling that starts there wins, so "浅蓝色" is Light Blue, not
  Blue, and "连衣裙" is Dress, not the Skirt of "裙". Brands and product names stay in Latin letters and
  go through the English passes.
* **Cues**: per rule of :mod:`assistant.intents`, regular expressions over the question's Chinese text
  with the linked entities blanked ("什么颜色" → colour, "是什么" → what is this, "退货" → returns).
* **Prices**: "500元以下", "低于300", "300以上", "100到200元".
* **Answers**: :func:`render` words an answer in Chinese from its intent, values and confidence; the
  catalog's own product names and policy texts stay as the catalog wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from shopgraph.graphstore.core.vocab import chinese_names

if TYPE_CHECKING:
    from shopgraph.assistant.context import Answer

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

ZH_CUES: dict[str, tuple[str, ...]] = {
    "returns": ("退货", "退款", "退换", "换货", "退回", "能退", "可以退", "退吗"),
    "delivery": ("配送", "送货", "发货", "快递", "运费", "邮费", "多久.*到", "几天.*到", "寄到"),
    "sizes": ("尺码", "尺寸", "码数", "几码", "合身", "偏大", "偏小", "大小"),
    "look": ("搭配", "配什么", "怎么配", "穿搭", "一起穿", "配套"),
    "brand": ("品牌", "牌子", "哪个牌", "谁家", "厂家", "生产商"),
    "material": ("材质", "面料", "材料", "什么做的", "成分", "布料", "料子"),
    "similar": ("类似", "相似", "差不多", "一样的", "同款", "像这样", "像这个"),
    "available": ("有没有", "有吗", "有货", "有的吗", "有.*的吗", "有.*吗", "还有"),
    "colour": ("颜色", "什么色", "啥色", "色号", "哪种色"),
    "category": ("是什么", "什么东西", "是啥", "叫什么", "哪种", "什么类型", "什么款", "是不是", "^这是.*吗", "是.*吗"),
    "listing": ("有什么", "有哪些", "推荐", "找", "想要", "想买", "看看", "给我"),
    "yes_no": ("是不是", "吗"),
    "wh": ("什么", "哪", "啥", "怎么", "多少"),
}
"""Cue patterns per rule of :mod:`assistant.intents` (``re.search`` over the question's free Chinese text)."""

_NUMBER = r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:元|块|块钱|人民币)?"
_BETWEEN = re.compile(rf"{_NUMBER}\s*(?:到|至|-|~)\s*{_NUMBER}")
_MAX_BEFORE = re.compile(rf"(?:低于|不超过|少于|不到|最多|小于){_NUMBER}")
_MAX_AFTER = re.compile(rf"{_NUMBER}\s*(?:以下|以内|之内|之下)")
_MIN_BEFORE = re.compile(rf"(?:高于|超过|多于|至少|大于){_NUMBER}")
_MIN_AFTER = re.compile(rf"{_NUMBER}\s*(?:以上|起)")


def has_chinese(text: str) -> bool:
    """Whether ``text`` has a Chinese (CJK unified) character."""
    return _CJK.search(text) is not None


@cache
def _spellings() -> dict[str, tuple[str, str]]:
    """``{Chinese spelling: (label, term id)}``."""
    return {s: key for key, spellings in chinese_names().items() for s in spellings}


def find_terms(text: str) -> list[tuple[int, int, str, str]]:
    """The vocabulary terms ``text`` names in Chinese, as ``(start, end, label, term id)`` character spans, in
    order, none overlapping (forward maximum matching)."""
    spellings = _spellings()
    longest = max((len(s) for s in spellings), default=0)
    found, i = [], 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            key = spellings.get(text[i : i + size])
            if key is not None:
                found.append((i, i + size, *key))
                i += size
                break
        else:
            i += 1
    return found


def cue(free_text: str, rule: str) -> str | None:
    """The first cue pattern of ``rule`` (a key of :data:`ZH_CUES`) found in ``free_text``, as the words it matched."""
    for pattern in ZH_CUES[rule]:
        match = re.search(pattern, free_text)
        if match:
            return match.group(0)
    return None


def parse_price(text: str) -> tuple[float | None, float | None, str] | None:
    """``(min, max, words)`` of a price bound written in Chinese ("500元以下" → max 500), or None."""
    match = _BETWEEN.search(text)
    if match:
        low, high = sorted(float(v.replace(",", "")) for v in match.groups())
        return low, high, match.group(0)
    for pattern, is_max in ((_MAX_BEFORE, True), (_MAX_AFTER, True), (_MIN_BEFORE, False), (_MIN_AFTER, False)):
        match = pattern.search(text)
        if match:
            value = float(match.group(1).replace(",", ""))
            return (None, value, match.group(0)) if is_max else (value, None, match.group(0))
    return None


def name(label: str, term_id: str, fallback: str) -> str:
    """The Chinese display name of a vocabulary term; ``fallback`` (its English name) when it has none."""
    spellings = chinese_names().get((label, term_id))
    return spellings[0] if spellings else fallback


def render(answer: Answer, english_name: Callable[[str, str], str]) -> str:
    """``answer`` worded in Chinese.

    Args:
        answer: the assistant's answer (worded in English).
        english_name: ``(label, id) -> display name``, for terms without a Chinese name (brands).
    """
    from shopgraph.assistant import intents

    def term(label: str, term_id: str) -> str:
        return name(label, term_id, english_name(label, term_id))

    values = list(answer.value)
    similar = answer.intent == intents.SIMILAR_IN_COLOUR
    products = [p for p in answer.products if similar or p.how not in ("visual match", "named", "lookalike")]
    subject = None if similar else next((p for p in answer.products if p.how in ("visual match", "named")), None)
    about = f"这看起来是 {subject.name}（{subject.id}）。" if subject is not None and subject.name else ""
    sure = f"（置信度 {answer.confidence:.2f}）"
    attribute = {
        intents.PRODUCT_COLOUR: ("Colour", "颜色"),
        intents.PRODUCT_MATERIAL: ("Material", "材质"),
        intents.PRODUCT_BRAND: ("Brand", "品牌"),
    }
    if answer.intent in attribute:
        label, noun = attribute[answer.intent]
        if not values:
            return f"我不知道它的{noun}。{about}".strip()
        said = term(label, values[0])
        if not answer.known:
            return f"我不确定它的{noun}，最可能是{said}。"
        return f"{about}它的{noun}是{said}{sure}。"
    if answer.intent == intents.PRODUCT_CATEGORY:
        if not values:
            return "我看不出这是什么。"
        if values[0] in ("yes", "no") and len(values) > 1:
            kind = term("Category", values[1])
            return f"是的，这是{kind}{sure}。" if values[0] == "yes" else f"不是，这看起来是{kind}{sure}。"
        kind = term("Category", values[0])
        return f"{about}这是{kind}{sure}。" if answer.known else f"我不确定这是什么，最可能是{kind}。"
    listed = "；".join(f"{p.name}（{p.id}）" for p in products[:5] if p.name)
    if answer.intent == intents.AVAILABLE_IN_COLOUR and values[:1] in (["yes"], ["no"]):
        return f"有：{listed}。" if values[0] == "yes" else (f"没有。可以看看：{listed}。" if listed else "没有。")
    if answer.intent in (intents.SEARCH, intents.SIMILAR_IN_COLOUR, intents.COMPLETE_THE_LOOK):
        if not answer.known:
            return "我不确定。" + (f"可能相关的商品：{listed}。" if listed else "")
        if not listed:
            return "没有找到符合条件的商品。"
        lead = {intents.SEARCH: "找到这些商品", intents.SIMILAR_IN_COLOUR: "最相似的商品"}
        return f"{lead.get(answer.intent, '可以这样搭配')}：{listed}。"
    if answer.intent == intents.POLICY:
        if not answer.known:
            return "我不知道：图谱里没有这方面的店铺政策。"
        return f"根据店铺政策（{values[-1]}）：{answer.text}"
    return (
        "我不知道怎么从图谱回答这个问题。我可以回答照片里的商品是什么、什么颜色、什么品牌、什么材质，"
        "查找相似商品和其他颜色，按品牌、类别和价格搜索，搭配建议，以及退货、尺码和配送问题。"
    )
