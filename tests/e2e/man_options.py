#!/usr/bin/env python3
"""man_options.py BINARY PAGE COMMAND... — the man page and --help cannot drift apart.

For each command, every option its --help lists has an entry (.TP) in that command's man
sections (.SS "espurna-ota COMMAND ...") with the same short option and argument name, and a
numeric default said in --help is said in the entry; every option entry of those sections is in
--help. The options every command takes (COMMON) have one entry, outside the command sections.
Prints each disagreement; exits 1 when there is one."""
import re, subprocess, sys

def help_options(binary, command):
    text = subprocess.run([binary, command, "--help"], capture_output=True, text=True).stdout
    options = {}
    for line in text.splitlines():
        m = re.match(r"^  (?:-(\w), )?\s*--([a-z][a-z0-9-]*)(?: ([A-Z]\S*))?\s{2,}(.*)$", line)
        if m:
            short, name, arg, words = m.groups()
            default = re.search(r"\(default:? ([^)]*)\)", words)
            options[name] = (short, arg, default.group(1) if default else None)
    return options

def unroff(text):
    text = re.sub(r'\\f[BIRP]', '', text)
    return text.replace('\\-', '-').replace('\\(en', '-').replace('\\(em', '-').replace('"', '')

def tag_options(words):
    """The options one .TP tag names: '-i FILE, --image FILE, --core FILE' gives
    (image, i, FILE), (core, None, FILE); a short option pairs with the long one after it."""
    found, short = [], None
    for item in [w.strip() for w in words.split(', ')]:
        m = re.match(r'^(--?)([a-z0-9][a-z0-9-]*)(?: +(\S+))?$', item)
        if not m:
            continue
        dashes, name, arg = m.groups()
        if dashes == '-':
            short = name
            continue
        found.append((name, short, arg))
        short = None
    return found

def man_entries(page, command):
    lines = open(page).read().splitlines()
    entries, inside, i = {}, False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('.SS') or line.startswith('.SH'):
            inside = line.startswith(f'.SS "espurna-ota {command}')
        elif inside and line == '.TP' and i + 1 < len(lines):
            tag = lines[i + 1]
            if re.match(r'^\.(B|BI|BR|IR|I) +\\-', tag):
                body = []
                j = i + 2
                while j < len(lines) and lines[j] not in ('.TP', '.PP') and not lines[j].startswith(('.SS', '.SH')):
                    body.append(lines[j]); j += 1
                for name, short, arg in tag_options(unroff(tag.split(' ', 1)[1])):
                    entries[name] = (short, arg, unroff(' '.join(body)))
        i += 1
    return entries

COMMON = ('help', 'no-color')  # options.c gives them to every command

def common_entries(page):
    """The options of the .TP entries outside any command's section."""
    lines = open(page).read().splitlines()
    names, inside = set(), False
    for i, line in enumerate(lines):
        if line.startswith('.SS') or line.startswith('.SH'):
            inside = line.startswith('.SS "espurna-ota ')
        elif not inside and line == '.TP' and i + 1 < len(lines) and \
                re.match(r'^\.(B|BI|BR|IR|I) +\\-', lines[i + 1]):
            names.update(name for name, _, _ in tag_options(unroff(lines[i + 1].split(' ', 1)[1])))
    return names

def main():
    binary, page = sys.argv[1], sys.argv[2]
    problems = 0
    for name in set(COMMON) - common_entries(page):
        print(f"--{name}, which every command takes, has no entry of its own in the man page"); problems += 1
    for command in sys.argv[3:]:
        helps, mans = help_options(binary, command), man_entries(page, command)
        for name, (short, arg, default) in helps.items():
            if name in COMMON:
                continue
            if name not in mans:
                print(f"{command}: --{name} is in --help but has no entry in the man page"); problems += 1; continue
            mshort, marg, body = mans[name]
            if short != mshort:
                print(f"{command}: --{name}: short option -{short} in --help, -{mshort} in the man page"); problems += 1
            if arg != marg:
                print(f"{command}: --{name}: argument {arg} in --help, {marg} in the man page"); problems += 1
            if default and re.fullmatch(r'[0-9]+', default) and \
                    not re.search(r'default[^0-9]{0,3}' + default + r'\b', body):
                print(f"{command}: --{name}: default {default} in --help is not in the man page's entry"); problems += 1
        for name in mans:
            if name not in helps:
                print(f"{command}: --{name} has a man page entry but is not in --help"); problems += 1
    sys.exit(1 if problems else 0)

main()
