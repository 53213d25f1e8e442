#!/usr/bin/env python3
"""Copies RFC 8448 §3 ("Simple 1-RTT Handshake") from the RFC's XML source into
a flat text file: one [step] per trace entry, one `field = hex` per value.
Nothing is computed: the bytes are the RFC's.

Usage: python3 extract.py /work/shared/rfcs/rfc8448.xml > simple_1rtt.txt
"""
import re
import sys

xml = open(sys.argv[1]).read()
start = xml.index('<section anchor="onertt"')
end = xml.index('<section anchor="zerortt"')
section = xml[start:end]

print('# RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, x25519),')
print('# copied from the trace in rfc8448.xml by extract.py in this directory.')
print('# [step] = the trace entry\'s "{who} what" line; fields keep the RFC\'s names.')
# Each trace entry: <t hangText='{who}'>\n  title: <list> ... </list></t>
for m in re.finditer(r"<t hangText='(\{\w+\})'>\s*(.*?)(?::\s*<list style=\"hanging\">(.*?)</list>|</t>)", section, re.S):
    who, title, body = m.group(1), " ".join(m.group(2).split()), m.group(3)
    if body is None:
        continue
    print()
    print(f"[{who} {title}]")
    for f in re.finditer(r"<t hangText='([^']*)'>(.*?)</t>", body, re.S):
        name = re.sub(r"\s*\(\d+ octets\):$|:$", "", f.group(1))
        value = " ".join(f.group(2).split())
        if re.fullmatch(r"([0-9a-f]{2} ?)+", value):
            value = value.replace(" ", "")
        elif value == "(empty)":
            value = ""
        print(f"{name} = {value}")
