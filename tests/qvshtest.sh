#!/bin/sh
# qvshtest.sh: qvsh as a user runs it: virsh's output shapes and exit codes, definitions
# under the root, the agent channel on the command line, and bad input that changes nothing.

. "$abs_top_srcdir/tests/tap.sh"

qvsh=$abs_top_builddir/tools/qvsh
root=$TAP_TMP/root
uri="qvirt:///embed?root=$root"
ex=$abs_top_srcdir/examples/agent-guest.xml
data=$abs_top_srcdir/tests/qemuxml2argvdata
unset QVIRT_DEFAULT_URI

# ---- help and usage errors ----
run 0 "$qvsh" help
expect_in "help lists define" "$out" "    define                         define (but don't start) a domain from an XML file"
run 0 "$qvsh" help define
expect_in "help define has a synopsis" "$out" "define <file> [--validate]"
expect_in "help define has options" "$out" "[--file] <string>  file containing an XML domain description"
run 1 "$qvsh" help nosuch
run 1 "$qvsh" -c "$uri" lis
expect_eq "unknown command message" "$err" "error: unknown command: 'lis'"
run 1 "$qvsh" -c "$uri" list --foo
expect_eq "unknown option message" "$err" "error: command 'list' doesn't support option --foo"
run 1 "$qvsh" -c "$uri" define
expect_eq "missing option message" "$err" "error: command 'define' requires <file> option"
run 1 "$qvsh" -c "$uri" define a b
expect_eq "extra data message" "$err" "error: unexpected data 'b'"
run 1 "$qvsh" -c "qemu:///system" list
expect_in "a foreign URI says it cannot connect" "$err" "error: failed to connect to the hypervisor"
run 0 "$qvsh" --version
expect_eq "no state was created by any of that" "$(tree "$root")" "(absent)"

# ---- define, list, dumpxml ----
run 0 "$qvsh" -c "$uri" define "$ex"
expect_eq "define says what virsh says" "$out" "Domain 'agent-guest' defined from $ex"
if [ -f "$root/etc/qemu/agent-guest.xml" ]; then ok "the definition is stored under the root"; else not_ok "the definition is stored under the root"; fi
run 0 "$qvsh" -c "$uri" list --all
expect_eq "list --all is virsh's table" "$out" " Id   Name          State
------------------------------
 -    agent-guest   shut off"
run 0 "$qvsh" -c "$uri" list
expect_eq "list shows only running domains" "$out" " Id   Name   State
--------------------"
run 0 "$qvsh" -c "$uri" list --all --name
expect_eq "list --name" "$out" "agent-guest"
run 1 "$qvsh" -c "$uri" list --all --name --uuid
run 0 "$qvsh" -c "$uri" dumpxml agent-guest
expect_in "dumpxml shows the agent channel without a path" "$out" "<channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>"
uuid=$(printf '%s\n' "$out" | sed -n 's,.*<uuid>\(.*\)</uuid>.*,\1,p')
run 0 "$qvsh" -c "$uri" dumpxml "$uuid"
run 0 "$qvsh" -c "$uri" dumpxml --inactive --domain agent-guest
printf '%s\n' "$out" > "$TAP_TMP/redefine.xml"
run 0 "$qvsh" -c "$uri" define "$TAP_TMP/redefine.xml"
run 0 "$qvsh" -c "$uri" dumpxml agent-guest
expect_eq "and comes back unchanged" "$out" "$(cat "$TAP_TMP/redefine.xml")"
run 1 "$qvsh" -c "$uri" dumpxml nosuch
expect_eq "dumpxml of an unknown domain" "$err" "error: failed to get domain 'nosuch'"

# ---- the QEMU command line ----
run 0 "$qvsh" -c "$uri" domxml-to-native qemu-argv "$ex"
expect_in "the agent socket is chosen by qvirt, per domain and run" "$out" \
    "-chardev socket,id=charchannel0,path=$root/lib/qemu/channel/target/domain-1-agent-guest/org.qemu.guest_agent.0,server=on,wait=off"
expect_in "the agent port has its name and an id" "$out" \
    "-device '{\"driver\":\"virtserialport\",\"bus\":\"virtio-serial0.0\",\"nr\":1,\"chardev\":\"charchannel0\",\"id\":\"channel0\",\"name\":\"org.qemu.guest_agent.0\"}'"
sed 's/org.qemu.guest_agent.0/org.qemu.guest_agent.1/' "$ex" > "$TAP_TMP/other.xml"
run 0 "$qvsh" -c "$uri" domxml-to-native qemu-argv "$TAP_TMP/other.xml"
expect_in "another name is an ordinary port, under its own name" "$out" \
    "\"chardev\":\"charchannel0\",\"id\":\"channel0\",\"name\":\"org.qemu.guest_agent.1\"}'"
expect_in "it still gets a socket" "$out" "domain-1-agent-guest/org.qemu.guest_agent.1,server=on,wait=off"
run 0 "$qvsh" -c "$uri" domxml-to-native qemu-argv --domain agent-guest
expect_in "domxml-to-native --domain" "$out" "-name guest=agent-guest,debug-threads=on"
run 1 "$qvsh" -c "$uri" domxml-to-native vmx "$ex"
expect_in "and says which formats exist" "$err" "unsupported config type vmx (supported: qemu-argv)"

# ---- bad input: precise errors, and the root is left as it was ----
before=$(tree "$root")
printf '<domain type="qemu">\n  <name>x</name>\n  <memory>1024</memory\n</domain>\n' > "$TAP_TMP/malformed.xml"
run 1 "$qvsh" -c "$uri" define "$TAP_TMP/malformed.xml"
expect_in "malformed XML: which file failed" "$err" "error: Failed to define domain from $TAP_TMP/malformed.xml"
expect_in "malformed XML: file and line" "$err" "error: $TAP_TMP/malformed.xml:4:"
run 1 "$qvsh" -c "$uri" define "$data/err-unknown-element.xml"
expect_in "an unknown element is named with its line" "$err" \
    "error: unsupported configuration: $data/err-unknown-element.xml: 1 item is not supported by qvirt:
  line 8: element <watchdog> in <devices>"
run 1 "$qvsh" -c "$uri" define "$data/err-entity-bomb.xml"
expect_in "an entity bomb is refused before expansion" "$err" \
    "error: operation forbidden: $data/err-entity-bomb.xml:2: DOCTYPE declarations (DTDs, entities) are not allowed"
run 1 "$qvsh" -c "$uri" define "$TAP_TMP/nosuch.xml"
expect_eq "a missing file says so" "$err" "error: Failed to open file '$TAP_TMP/nosuch.xml': No such file or directory"
run 1 "$qvsh" -c "$uri" define "$data/virt-install.xml"
expect_in "and lists what is unsupported, with lines" "$err" "virt-install.xml: 8 items are not supported by qvirt:
  line 38: unsupported value 'qemu-xhci' for attribute 'model' of <controller> (supported: 'virtio-scsi', 'pci-root', 'pcie-root', 'none')"
expect_in "... values and elements alike" "$err" "  line 55: unsupported value 'spice' for attribute 'type' of <graphics> (supported: 'vnc')
  line 58: element <sound> in <devices>
  line 62: element <redirdev> in <devices>"
run 1 "$qvsh" -r -c "$uri" define "$ex"
expect_in "read-only is refused" "$err" "operation forbidden: read only access prevents this operation"
expect_eq "the root is unchanged after all failures" "$(tree "$root")" "$before"

run 0 "$qvsh" -c "$uri" define "$data/virt-install-headless.xml"

# ---- undefine ----
run 0 "$qvsh" -c "$uri" undefine agent-guest
expect_eq "undefine says what virsh says" "$out" "Domain 'agent-guest' has been undefined"
if [ -f "$root/etc/qemu/agent-guest.xml" ]; then not_ok "the definition is removed"; else ok "the definition is removed"; fi
run 1 "$qvsh" -c "$uri" undefine agent-guest
expect_eq "undefine of an unknown domain" "$err" "error: failed to get domain 'agent-guest'"
run 0 "$qvsh" -c "$uri" list --all --name
expect_eq "one domain is left" "$out" "debian12-headless"

# ---- the default URI ----
QVIRT_DEFAULT_URI=$uri run 0 "$qvsh" list --all --name
expect_eq "QVIRT_DEFAULT_URI chooses the root" "$out" "debian12-headless"
run 0 "$qvsh" -c "$uri" uri
expect_eq "uri prints the connection URI" "$out" "$uri"

# ---- the zh_CN catalogue is real and used ----
mkdir -p "$TAP_TMP/locale/zh_CN/LC_MESSAGES"
if msgfmt -o "$TAP_TMP/locale/zh_CN/LC_MESSAGES/qvirt.mo" "$abs_top_srcdir/po/zh_CN.po"; then
    LC_ALL=C.UTF-8 LANGUAGE=zh_CN QVIRT_LOCALEDIR=$TAP_TMP/locale run 1 "$qvsh" -c "$uri" undefine nosuch
    expect_eq "messages come out in Chinese under LANGUAGE=zh_CN" "$err" "错误：获取域 'nosuch' 失败"
    LC_ALL=C.UTF-8 LANGUAGE=zh_CN QVIRT_LOCALEDIR=$TAP_TMP/locale run 1 "$qvsh" -c "$uri" define "$data/err-unknown-element.xml"
    expect_in "library messages too" "$err" "第 8 行：元素 <watchdog>（位于 <devices> 中）"
else
    not_ok "msgfmt compiles po/zh_CN.po"
fi

# ---- bash completion: the hidden "complete" command and tools/bash-completion/qvsh ----
# lines LIST: the words of a completion, sorted, on one line
lines() {
    printf '%s\n' "$1" | sort | tr '\n' ' '
}
run 0 "$qvsh" -c "$uri" define "$ex"
run 0 "$qvsh" complete -- st
expect_in "complete: command names by prefix" "
$out
" "
start
"
expect_eq "complete: only names with the prefix" "$(printf '%s\n' "$out" | grep -v '^st')" ""
run 0 "$qvsh" complete -- ""
expect_in "complete: all commands for an empty word" "$out" "domxml-to-native"
expect_not_in "complete: does not offer itself" "
$out
" "
complete
"
run 0 "$qvsh" help
expect_not_in "help does not list complete" "$out" " complete "
run 0 "$qvsh" complete -- start agent-guest --
expect_eq "complete: options of a command, not the ones given" "$(lines "$out")" "--force-boot --paused "
run 0 "$qvsh" complete -- -c "$uri" start ""
expect_eq "complete: domain names for start's positional slot" "$(lines "$out")" "agent-guest debian12-headless "
run 0 "$qvsh" complete -- --connect="$uri" dumpxml --domain d
expect_eq "complete: domain names for --domain, by prefix" "$out" "debian12-headless"
run 0 "$qvsh" complete -- -c "qemu:///system" start ""
expect_eq "complete: no domains and no error when the connection fails" "$rc:$out:$err" "0::"
run 0 "$qvsh" complete -- shutdown agent-guest --mode a
expect_eq "complete: shutdown modes by prefix" "$(lines "$out")" "acpi agent "
run 0 "$qvsh" complete -- shutdown agent-guest --mode acpi,
expect_eq "complete: modes after a comma, not the ones given" "$(lines "$out")" \
    "acpi,agent acpi,initctl acpi,paravirt acpi,signal "
run 0 "$qvsh" complete -- domifaddr agent-guest --source=
expect_eq "complete: --source= values" "$(lines "$out")" "--source=agent --source=arp --source=lease "
run 0 "$qvsh" complete -- define ""
expect_eq "complete: nothing for a file, so that bash completes file names" "$rc:$out" "0:"
script=$abs_top_srcdir/tools/bash-completion/qvsh
run 0 env QVSH="$qvsh" bash -c '. "$1"
COMP_WORDS=(qvsh -c "$2" start a) COMP_CWORD=4
_qvsh_complete
printf "%s\n" "${COMPREPLY[@]}"' sh "$script" "$uri"
expect_eq "bash script: COMPREPLY for a domain name" "$rc:$out" "0:agent-guest"
run 0 env QVSH="$qvsh" bash -c '. "$1"
COMP_LINE="qvsh reboot agent-guest --mode=ac" COMP_POINT=33
COMP_WORDS=(qvsh reboot agent-guest --mode = ac) COMP_CWORD=5
_qvsh_complete
printf "%s\n" "${COMPREPLY[@]}"
complete -p qvsh' sh "$script"
expect_eq "bash script: a word that bash split at '=' is completed whole" "$out" \
    "acpi
complete -o default -F _qvsh_complete qvsh"

done_testing
