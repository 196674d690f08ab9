#!/usr/bin/env python3
"""Makes the pasted corpus: real strace logs of samples/corpus/, damaged the ways people paste them.

Each entry of CASES takes one recording of samples/corpus/expected.yaml (real programs under the
real strace, answers written by hand) and passes its log through one or more damages: what a
markdown file, a web page, a mail client, a chat window or a terminal does to text, and what older
strace releases print differently. The expected answer of a pasted log is its recording's
hand-written answer in samples/corpus/expected.yaml; nothing here runs culprit.

Usage: python3 samples/pasted/make.py     (rewrites samples/pasted/logs/ and cases.yaml)
"""
import html
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# ---------------------------------------------------------------- damages


def prose(text, before, after=""):
    return before + text + after


def md_indent(text):
    """A markdown code block indented by four spaces, inside a question."""
    body = "".join("    " + l if l.strip() else l for l in text.splitlines(True))
    return prose(body, "## 500 after deploy\n\nI ran strace on the worker and got this:\n\n",
                 "\nAny idea what is wrong?\n")


def md_tab(text):
    """A code block indented by a tab (a list item in some editors)."""
    body = "".join("\t" + l if l.strip() else l for l in text.splitlines(True))
    return prose(body, "* strace output of the failing run:\n\n")


def md_fence(text):
    return prose(text, "Here is the trace (`strace -f`):\n\n```text\n", "```\n\nThanks!\n")


def html_pre(text):
    """A blog post: the log inside <pre><code>, every special character an entity."""
    return ("<html><body>\n<h2>Debugging the outage</h2>\n<p>The trace:</p>\n<pre><code>"
            + html.escape(text, quote=True) + "</code></pre>\n<p>Fixed it.</p>\n</body></html>\n")


def html_br(text):
    """A forum post: lines joined with <br></br>, the failing calls in <strong>, quotes as &quot;."""
    out = ['<div class="post">\n<p>My strace output:</p>\n']
    for line in text.splitlines():
        esc = html.escape(line, quote=True)
        if "= -1 E" in line:
            esc = "<strong>" + esc + "</strong>"
        out.append(esc + "<br></br>\n")
    out.append("</div>\n")
    return "".join(out)


def html_numeric(text):
    """A page whose editor wrote &#34; for quotes and no-break spaces between words."""
    body = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    body = re.sub(r"(?<=\)) += ", "\u00a0= ", body)
    return "<p>Output:</p>\n<pre>" + body + "</pre>\n"


def mail_quote(text, depth=1, header="On Fri, 4 Dec 2026 at 09:12, Bob <bob@example.org> wrote:\n"):
    marker = "> " * depth if depth < 3 else ">" * depth + " "
    quoted = "".join((marker + l) if l.strip() else marker.rstrip() + "\n" for l in text.splitlines(True))
    return "Thanks, looking at it now.\n\n" + header + quoted


def mail_nested(text):
    inner = mail_quote(text, 1)
    return mail_quote(inner, 1, "On Fri, 4 Dec 2026 at 10:02, Alice <alice@example.org> wrote:\n")


def wrap_line(line, width, keep_space):
    """Breaks like a mail client: at the last space before `width`; a word longer than the line
    stays whole. keep_space: format=flowed keeps the space at the end of the broken line."""
    out = []
    while len(line) > width:
        cut = line.rfind(" ", 0, width)
        if cut <= 0:
            cut = line.find(" ", width)
            if cut < 0:
                break
        out.append(line[:cut + 1] if keep_space else line[:cut])
        line = line[cut + 1:]
    out.append(line)
    return out


def mail_wrap(text, width=72, keep_space=False):
    return "".join("\n".join(wrap_line(l, width, keep_space)) + "\n" for l in text.splitlines())


def mail_flowed(text):
    return mail_wrap(text, 76, True)


def mail_quote_wrap(text):
    """Quoted, then the reply wrapped at 72 columns markers included (each piece re-quoted)."""
    out = []
    for l in text.splitlines():
        for piece in wrap_line(l, 70, False):
            out.append("> " + piece)
    return "On Fri, Bob wrote:\n" + "\n".join(out) + "\n"


def term_cut(text, width=80):
    """A terminal's copy of wrapped rows: every line cut at exactly `width` columns."""
    out = []
    for l in text.splitlines():
        l = l.expandtabs()
        if not l:
            out.append("")
        while l:
            out.append(l[:width])
            l = l[width:]
    return "\n".join(out) + "\n"


def term_pad(text, width=100):
    """A screen dump: rows cut at `width` and padded with spaces to it."""
    return "".join(row.ljust(width) + "\n" for row in term_cut(text, width).splitlines())


def term_indent(text, width=90):
    """A terminal that indents the continuation of a wrapped line (reference row #48)."""
    out = []
    for l in text.splitlines():
        first = True
        while True:
            room = width if first else width - 4
            piece, l = l[:room], l[room:]
            out.append(piece if first else "    " + piece)
            first = False
            if not l:
                break
    return "\n".join(out) + "\n"


def prompt_twice(text):
    """Typed at a prompt, the first line glued to the command, the block pasted twice."""
    lines = text.splitlines(True)
    block = "root@web1:/srv# strace -f -o /dev/stderr ./run.sh" + "".join(lines)
    return block + "root@web1:/srv# \n" + "".join(lines) + "root@web1:/srv# "


def crlf(text):
    return text.replace("\n", "\r\n")


def prose_few(text):
    """A mail that quotes only a few strace lines: the failed calls, the writes and the exits."""
    keep = [l for l in text.splitlines() if re.search(r"= -1 E|write\(2|\+\+\+ |exit", l)]
    return ("Hi all,\n\nsince this morning the job fails. I looked at strace and these are the lines\n"
            "that look relevant (I cut the rest, it was thousands of lines):\n\n"
            + "\n".join(keep) + "\n\nThe directory exists on the other server. Could someone with\n"
            "root have a look? The job runs every night at 02:00 and the last good run was on\n"
            "Tuesday.\n\nRegards,\nCarol\n-- \nCarol, operations\n")


def old_open(text):
    """What strace and glibc before openat() print (strace 4.x era): open(), stat()/lstat(), and
    sockaddr_un as {sa_family=AF_FILE, path=...} (strace up to 4.7)."""
    t = re.sub(r"\bopenat\(AT_FDCWD(?:<[^>]*>)?, ", "open(", text)
    t = t.replace("<... openat resumed>", "<... open resumed>")

    def stat(m):
        name = "lstat" if "AT_SYMLINK_NOFOLLOW" in m.group(3) else "stat"
        return name + "(" + m.group(1) + ", " + m.group(2) + ")"
    t = re.sub(r"\bnewfstatat\(AT_FDCWD(?:<[^>]*>)?, (\"[^\"]*\"(?:\.\.\.)?), (\{[^{}]*\}|0x[0-9a-f]+), "
               r"((?:0|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT)(?:\|AT_[A-Z_]+)*)\)", stat, t)
    t = t.replace("sa_family=AF_UNIX, sun_path=", "sa_family=AF_FILE, path=")
    return t


def old_local(text):
    """strace 4.8 to 4.2x: AF_LOCAL with sun_path, open()."""
    t = re.sub(r"\bopenat\(AT_FDCWD(?:<[^>]*>)?, ", "open(", text)
    t = t.replace("<... openat resumed>", "<... open resumed>")
    return t.replace("sa_family=AF_UNIX, sun_path=", "sa_family=AF_LOCAL, sun_path=")


def numbered_glued(text):
    """A code viewer's table copied from a page: each line's number glued to it ("12execve(")."""
    return "".join(f"{i}{line}" for i, line in enumerate(text.splitlines(keepends=True), 1))


def cat_n(text):
    """A listing made with `cat -n`: the number right-aligned in six columns, then a tab."""
    return "".join(f"{i:6}\t{line}" for i, line in enumerate(text.splitlines(keepends=True), 1))


DAMAGES = {
    "md-indent": md_indent, "md-tab": md_tab, "md-fence": md_fence, "html-pre": html_pre,
    "html-br": html_br, "html-numeric": html_numeric, "mail-quote": mail_quote,
    "mail-nested": mail_nested, "mail-wrap": mail_wrap, "mail-flowed": mail_flowed,
    "mail-quote-wrap": mail_quote_wrap, "term-cut": term_cut, "term-pad": term_pad,
    "term-indent": term_indent, "prompt-twice": prompt_twice, "crlf": crlf,
    "prose-few": prose_few, "strace-4.5": old_open, "strace-4.8": old_local,
    "numbered-glued": numbered_glued, "cat-n": cat_n,
}

# (recording in samples/corpus/expected.yaml, damages applied left to right)
CASES = [
    ("php-require-typo@f-tt-T-y", ["md-indent"]),
    ("sh-default-missing@plain", ["md-indent"]),
    ("nginx-include-missing", ["md-tab"]),
    ("py-config-missing@plain", ["md-fence"]),
    ("ldso-missing-lib@f-r", ["md-fence", "crlf"]),
    ("php-include-missing", ["html-pre"]),
    ("py-eacces", ["html-pre"]),
    ("nginx-unknown-directive@plain", ["html-pre"]),
    ("sh-command-not-found@f", ["html-br"]),
    ("fpm-socket-dir-missing", ["html-br"]),
    ("git-missing-repo", ["html-br"]),
    ("sh-redirect-logdir", ["html-numeric"]),
    ("runparts-venv-interp", ["html-numeric"]),
    ("py-connect-refused", ["mail-quote"]),
    ("ldso-bad-interp", ["mail-quote"]),
    ("daemon-conf-missing@plain", ["mail-quote", "crlf"]),
    ("sh-cd-missing", ["mail-nested"]),
    ("nginx-ssl-cert-missing", ["mail-nested"]),
    ("sh-default-missing@f-tt-T-y-s64", ["mail-wrap"]),
    ("php-require-typo@f-r", ["mail-wrap"]),
    ("git-config-eacces", ["mail-wrap"]),
    ("py-data-dir-missing", ["mail-wrap"]),
    ("py-access-check", ["mail-flowed"]),
    ("nginx-errorlog-dir-missing", ["mail-flowed"]),
    ("sh-usr-local-bin", ["mail-quote-wrap"]),
    ("php-fopen-eacces", ["mail-quote-wrap"]),
    ("ldso-patchelf-interp", ["term-cut"]),
    ("sh-path-relative-entry", ["term-cut"]),
    ("nginx-tls-key-missing", ["term-cut"]),
    ("runparts-env-python2", ["term-pad"]),
    ("bash-command-not-found", ["term-pad"]),
    ("curl-net-unreachable", ["term-indent"]),
    ("php-session-eacces", ["prompt-twice"]),
    ("sh-ls-nonexistent", ["prompt-twice"]),
    ("git-hook-interpreter", ["mail-quote", "crlf"]),
    ("daemon-piddir-missing", ["prose-few"]),
    ("sh-cat-security", ["prose-few"]),
    ("nginx-fpm-socket-missing", ["strace-4.5"]),
    ("py-config-missing@f-tt-T-y", ["strace-4.5"]),
    ("php-share-php-missing", ["strace-4.8"]),
    ("nginx-fpm-socket-missing", ["strace-4.8", "mail-wrap"]),
    ("apache-include-missing", ["strace-4.5", "html-pre"]),
    ("sh-default-missing@plain", ["numbered-glued"]),
    ("sh-command-not-found@f", ["numbered-glued"]),
    ("py-config-missing@plain", ["cat-n"]),
    ("php-require-typo@f-tt-T-y", ["cat-n", "mail-quote"]),
]


def load_recordings():
    """name -> (logs, root) from expected.yaml, read without a YAML library (the file's own layout)."""
    recs = {}
    name = None
    with open(os.path.join(ROOT, "samples/corpus/expected.yaml")) as f:
        for line in f:
            m = re.match(r"\s*- name: (\S+)", line)
            if m:
                name = m.group(1)
                continue
            m = re.match(r"\s*logs: \[(.*)\]", line)
            if m and name:
                recs[name] = [p.strip() for p in m.group(1).split(",")]
    return recs


def main():
    recs = load_recordings()
    out_dir = os.path.join(HERE, "logs")
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        os.unlink(os.path.join(out_dir, old))
    lines = ["# Pasted corpus, made by samples/pasted/make.py (see README.md). Each case is one",
             "# recording of samples/corpus/expected.yaml after the damages listed, in order; its",
             "# expected answer is that recording's.",
             "cases:"]
    for rec, damages in CASES:
        logs = recs.get(rec)
        if logs is None or len(logs) != 1:
            sys.exit(f"make.py: {rec}: not a single-log recording of samples/corpus/expected.yaml")
        with open(os.path.join(ROOT, logs[0]), encoding="utf-8", errors="surrogateescape",
                  newline="") as f:
            text = f.read()
        for d in damages:
            text = DAMAGES[d](text)
        name = f"{rec.replace('@', '.')}.{'+'.join(damages)}.txt"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8", errors="surrogateescape",
                  newline="") as f:
            f.write(text)
        lines += [f"  - log: samples/pasted/logs/{name}", f"    recording: {rec}",
                  f"    damage: [{', '.join(damages)}]"]
    with open(os.path.join(HERE, "cases.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"make.py: {len(CASES)} pasted logs in {os.path.relpath(out_dir, ROOT)}")


if __name__ == "__main__":
    main()
