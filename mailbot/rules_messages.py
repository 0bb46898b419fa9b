"""The Chinese an administrator reads when a rules file is wrong: tomllib, pydantic and ``re`` speak English.

Each library's common messages are translated here, in one place, so ``mailbot rules check`` never
shows a fragment such as "Invalid value" or "'error', 'warning' or 'off'". Imports nothing of ours.
"""

from __future__ import annotations

import errno
import re

QUOTING_HINT = "文字要加英文双引号；true/false、数字、日期不加"

_TOML = (  # (tomllib message prefix, what to say)
    ("Invalid value", "这个值的写法不对"),
    ("Invalid statement", "这一行无法识别（每行应为“键 = 值”，或 [段落名]）"),
    ("Invalid date or datetime", "日期写法不对，应为 2021-11-25 这样的格式"),
    ("Invalid initial character for a key part", "键名写法不对（中文键名要加英文双引号，如 \"田坪乡\" = …）"),
    ("Expected '=' after a key", "键后面缺少“=”"),
    ("Expected newline or end of document", "一行只能写一项，这一项后面有多余的内容"),
    ("Expected ']]'", "段落名缺少“]]”"),
    ("Expected ']'", "段落名缺少右方括号“]”"),
    ("Unclosed array", "列表缺少右方括号“]”，或列表各项之间缺少英文逗号"),
    ("Unclosed inline table", "花括号 { } 没有闭合，或其中各项之间缺少英文逗号（花括号内不能换行）"),
    ("Unterminated string", "引号没有闭合：文字两边都要有英文双引号"),
    ("Illegal character", "引号没有闭合，或文字中有换行等不允许的字符"),
    ("Unescaped '\\'", "文字中的反斜杠 \\ 要写成 \\\\，或改用英文单引号把整段文字括起来"),
    ("Invalid hex value", "文字中的反斜杠 \\ 要写成 \\\\"),
    ("Escaped character", "文字中的反斜杠 \\ 要写成 \\\\"),
    ("Cannot overwrite a value", "重复定义：同一个键或段落写了两次"),
    ("Cannot declare", "重复定义：同一个段落写了两次"),
    ("Cannot mutate immutable namespace", "重复定义：这个键前面已经写过"),
    ("Cannot redefine namespace", "重复定义：这个键前面已经写过"),
    ("Duplicate inline table key", "花括号中同一个键写了两次"),
    ("Found invalid character", "这里有无法识别的字符"),
)
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")

_PYDANTIC = {  # pydantic error type → Chinese ({…} filled from the error's ctx)
    "missing": "缺少必填项",
    "extra_forbidden": "没有这个键，请检查拼写",
    "string_too_short": "不能为空",
    "too_short": "至少要填写一项",
    "date_from_datetime_parsing": "应为日期，如 2021-11-25",
    "date_from_datetime_inexact": "应为日期，如 2021-11-25（不写时间）",
    "date_parsing": "应为日期，如 2021-11-25",
    "date_type": "应为日期，如 2021-11-25（不加引号，不写时间）",
    "bool_type": "应为 true 或 false（不加引号）",
    "bool_parsing": "应为 true 或 false（不加引号）",
    "string_type": "应为文字（加英文双引号）",
    "tuple_type": "应为列表，如 [\"甲\", \"乙\"]",
    "list_type": "应为列表，如 [\"甲\", \"乙\"]",
    "dict_type": "应为一个表（[名称] 段落，或 {{ 键 = 值 }}）",
    "model_type": "应为一个表（[名称] 段落，或 {{ 键 = 值 }}）",
    "model_attributes_type": "应为一个表（[名称] 段落，或 {{ 键 = 值 }}）",
    "float_type": "应为数字（不加引号）",
    "float_parsing": "应为数字（不加引号）",
    "int_type": "应为整数（不加引号）",
    "int_parsing": "应为整数（不加引号）",
    "finite_number": "应为一个具体的数字",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
}

# the value shown would mislead: a missing key has none, an unknown key's value is not what is wrong
_NO_VALUE = ("missing", "extra_forbidden")

_REGEX = (  # (re.error message prefix, what to say)
    ("missing )", "缺少右括号“)”"),
    ("unbalanced parenthesis", "多了右括号“)”"),
    ("unterminated character set", "方括号“[”没有闭合"),
    ("nothing to repeat", "“*”“+”“?”前面缺少要重复的内容"),
    ("multiple repeat", "重复符号连用（如“**”）"),
    ("bad escape", "反斜杠“\\”后面的字符无效"),
    ("missing", "括号或花括号不完整"),
)


def toml_error(message: str, source: str) -> tuple[int | None, str]:
    """(line, Chinese) for a tomllib error in ``source``; the quoting hint where quotes are the usual cause."""
    lines = source.splitlines() or [""]
    position = _TOML_POSITION.search(message)
    line = min(int(position.group(1)), len(lines)) if position and position.group(1) else len(lines)
    english = _TOML_POSITION.sub("", message)
    if english.startswith(("Unclosed array", "Unclosed inline table")):  # noticed a line late: point at the opener
        opener, closer = ("[", "]") if "array" in english else ("{", "}")
        line = next((n for n in range(line, 0, -1) if "=" in lines[n - 1] and not lines[n - 1].lstrip().startswith("#")
                     and lines[n - 1].count(opener) > lines[n - 1].count(closer)), line)
    line_text = lines[line - 1]
    said = next((chinese for prefix, chinese in _TOML if english.startswith(prefix)), "写法不符合 TOML 格式")
    if re.search(r"=\s*\d{4}\s*[-/.年]", line_text):  # 2021-13-25, 2021/11/25: read as a number and a remainder
        said = "日期写法不对，应为 2021-11-25 这样的格式（月、日为有效日期，不足两位的前面补 0，不加引号）"
    elif "“" in line_text or "”" in line_text:
        said += "；引号要用英文双引号 \"，不能用中文引号 “ ”"
    elif english.startswith(("Invalid value", "Invalid statement", "Expected newline")):
        said += f"。{QUOTING_HINT}"
    return line, said


def pydantic_error(error: dict) -> str:
    """Chinese for one pydantic error, with the value found when it is short and simple."""
    template = _PYDANTIC.get(error["type"])
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
    if error["type"] == "string_too_short" and ctx.get("min_length", 1) > 1:
        template = "至少要写 {min_length} 个字"
    if template:
        text = template.format(**ctx)
    elif error["type"] == "enum":
        text = "取值应为 " + choices(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    else:
        text = re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    value = error.get("input")
    if "input" not in error or error["type"] in _NO_VALUE or isinstance(value, (dict, list, tuple)) or value == "":
        return text
    if isinstance(value, str) and error["type"].endswith("_type"):  # "yes", "2021-11-25": the quotes are the mistake
        return f'{text}；现为带引号的 "{value}"'
    return f"{text}；现为「{value}」"


def choices(values) -> str:
    """'"甲"、"乙" 或 "丙"' — how the guide and the errors list allowed values."""
    quoted = [f'"{v}"' for v in values]
    return "、".join(quoted[:-1]) + f" 或 {quoted[-1]}" if len(quoted) > 1 else "".join(quoted)


def regex_error(pattern: str, exc: re.error) -> str:
    what = next((chinese for prefix, chinese in _REGEX if exc.msg.startswith(prefix)), "写法有误")
    where = f"（第 {exc.pos + 1} 个字符处）" if exc.pos is not None else ""
    return (f"正则表达式「{pattern}」有误：{what}{where}。"
            "如只想匹配文字本身，请在 ( ) [ ] * + ? . \\ 这些符号前加 \\")


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, in Chinese."""
    return {
        errno.EISDIR: "这是一个文件夹，不是文件",
        errno.ENAMETOOLONG: "文件名过长",
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
    }.get(exc.errno, f"系统错误（{exc.errno}）")
