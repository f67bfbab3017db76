#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the test fixtures and the shipped config.

Run from the repository root after a fixture changes: python3 fuzz/make_seeds.py
The corpora are committed, so that scripts/fuzz and scripts/test start from the same seeds on
every machine. Adapter seeds start with one ASCII digit, the mode byte of fuzz/adapter_fuzz.h:
odd = sealed (signed/encrypted by the target), even = raw; adding 2, 4, 8 to '0' sets flag bits
0, 1, 2 (for example '3' = sealed with bit 0, '9' = sealed with bit 2).
"""
import glob
import json
import os
import re
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixtures(platform):
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", platform, "*.json"))):
        with open(path, encoding="utf-8") as f:
            yield os.path.basename(path)[:-5], json.load(f)


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main():
    shutil.rmtree(OUT, ignore_errors=True)

    # Texts: every 60th probe line (about 40 messages of every category, dialects included) plus
    # the markup the normaliser strips.
    texts = []
    with open(os.path.join(ROOT, "intents", "data", "probes.jsonl"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % 60 == 0:
                texts.append(json.loads(line)["text"])
    texts += [
        "[CQ:at,qq=10000] 有人冒充公安让我转钱到安全账户[CQ:face,id=1]",
        "<at user_id=\"ou_1\">网格助手</at> 電梯壞了，困了人！！！",
        "＠王芳　３栋楼道灯坏了🙏，刷-单 返 利，一三八一二三四五六七八",
        "转账 ５０００元 到 6222 0212 3456 7890 128，加QQ 12345678 或 wx: abc_123 http://x.cn/a",
    ]
    for i, t in enumerate(texts):
        write("normaliser_fuzzer", "text-%02d" % i, t)
        write("intents_fuzzer", "text-%02d" % i, t)

    # Chat commands: the shapes of gateway/workflow/chat_command_test.cc.
    commands = ["接单 5", "处理中 5", "等回复 5 已电话联系，等居民确认时间", "转办 5 w-li 不属本网格",
                "退回 5 不属本网格", "办结 5 灯已更换", "驳回 5 重复上报", "重开 5", "督办 5", "备注 5 已联系物业",
                "查询 5", "我的工单", "帮助", "接单 #５", "接单＃12", "接单\u3000１２３", "办结５\u3000灯已更换",
                "转办 #5   w-li   不属本网格", "办结53栋灯已修", "办结 #灯", "接单 1234567890123",
                "合并 #５ ＃7", "改类5 法律", "登录", "办结了吗"]
    for i, c in enumerate(commands):
        write("chat_command_fuzzer", "cmd-%02d" % i, c)

    # Config: each shipped file behind the byte that selects it (fuzz/config_fuzzer.cc kFiles).
    for i, name in enumerate(["gridrelay.yaml", "routing.yaml", "templates.yaml", "calendar.yaml", "deadlines.yaml"]):
        with open(os.path.join(ROOT, "config", name), "rb") as f:
            write("config_fuzzer", name, bytes([i]) + f.read())
    write("config_fuzzer", "rota", bytes([0]) + "mon-fri 09:00-18:00, sat 09:00-12:00, fri 22:00-06:00".encode())

    # Generic: the README's example, sealed and raw.
    body = compact({"msg_id": "m1", "group_id": "grid-demo-1", "sender_id": "u42", "sender_name": "王阿姨",
                    "text": "3栋楼道灯坏了好几天了,晚上太黑", "ts": 1732262400,
                    "attachments": [{"kind": "image", "ref": "a.jpg"}]})
    write("generic_fuzzer", "sealed-readme", "1" + body)
    write("generic_fuzzer", "raw-readme", "0authorization: Bearer fuzz-generic-secret\n\n" + body)

    # WeCom: each fixture's plaintext, encrypted by the target (bit 0: app mode, bit 2: JSON envelope).
    for name, fx in fixtures("wecom"):
        app = fx.get("mode") == "app"
        json_envelope = fx.get("format") == "json"
        mode = ord("1") + (2 if app else 0) + (8 if json_envelope else 0)
        write("wecom_fuzzer", name, chr(mode) + fx["plaintext"])
    write("wecom_fuzzer", "signed-ciphertext", "5" + "A" * 64)
    write("wecom_fuzzer", "raw-handshake", "0?msg_signature=x\n?timestamp=1700000000\n?nonce=n\n?echostr=abc\n\n"
          "<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>")

    # OneBot: each fixture's event (bit 0: v12).
    for name, fx in fixtures("onebot"):
        v12 = fx.get("settings", {}).get("version") == 12
        write("onebot_fuzzer", name, ("3" if v12 else "1") + compact(fx["event"]))

    # Feishu: each fixture's event; bit 0 (an Encrypt Key) where the fixture's channel has one.
    for name, fx in fixtures("feishu"):
        encrypted = "encrypt_key" in fx.get("settings", {})
        event = fx.get("event")
        if event is None:
            continue
        write("feishu_fuzzer", name, ("3" if encrypted else "1") + compact(event))
    write("feishu_fuzzer", "raw-encrypted", "2content-type: application/json\n\n" + compact({"encrypt": "QUJD" * 8}))

    # DingTalk: each fixture's body.
    for name, fx in fixtures("dingtalk"):
        if "body" in fx:
            write("dingtalk_fuzzer", name, "1" + compact(fx["body"]))
    write("dingtalk_fuzzer", "raw-unsigned", "0timestamp: 1700000000000\nsign: x\n\n{}")


if __name__ == "__main__":
    main()
