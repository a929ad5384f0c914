#!/usr/bin/env bash
# native-dir.sh JAR: prints the directory that holds RocksDB's JNI library of JAR (a node jar, or
# RocksJava's own jar), for `java -Djava.library.path=<dir>`; prints nothing when JAR carries none.
#
# RocksJava loads the library with System.loadLibrary when it is on java.library.path; otherwise it
# copies 15 MB out of its jar into /tmp for every JVM and deletes the copy only on a normal exit, so
# every SIGKILLed node left one behind. This extracts it once into
# ${RAFTKV_NATIVE_CACHE:-/tmp/raftkv-native}/rocksdbjni-<crc32>-<size>/ (the same directory the
# test kit's RocksDbLibrary uses): written under a temporary name in that directory, then renamed,
# so a starting JVM never sees a partly written library and concurrent launchers share one copy.
set -euo pipefail
jar="${1:?usage: native-dir.sh JAR}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) name=librocksdbjni-linux64.so ;;
  Linux-aarch64) name=librocksdbjni-linux-aarch64.so ;;
  *) exit 0 ;;
esac
if ! command -v unzip >/dev/null; then
  echo "native-dir.sh: unzip not found; RocksJava will extract its library into /tmp (apt-get install unzip)" >&2
  exit 0
fi
# unzip -lv: "Length Method Size Cmpr Date Time CRC-32 Name", one line per matching entry.
read -r size _ _ _ _ _ crc _ < <(unzip -lv "$jar" "$name" 2>/dev/null | awk -v n="$name" '$8 == n') || exit 0
dir="${RAFTKV_NATIVE_CACHE:-/tmp/raftkv-native}/rocksdbjni-$crc-$size"
if [[ -f "$dir/$name" && "$(stat -c %s "$dir/$name")" == "$size" ]]; then
  echo "$dir"
  exit 0
fi
mkdir -p "$dir"
part="$(mktemp "$dir/.extract-XXXXXX.part")"
trap 'rm -f "$part"' EXIT
unzip -p "$jar" "$name" > "$part"
chmod 0644 "$part" # mktemp made it private; other users' JVMs may share the cache
if [[ "$(stat -c %s "$part")" != "$size" ]]; then
  echo "native-dir.sh: $name from $jar came out $(stat -c %s "$part") bytes, expected $size" >&2
  exit 1
fi
mv -f "$part" "$dir/$name"
echo "$dir"
