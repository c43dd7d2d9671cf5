#!/bin/sh
# cowsay for the catalog's docker/whalesay image: prints the message in a
# speech bubble above a whale. Long messages wrap at 40 columns.
if [ $# -gt 0 ]; then msg="$*"; else msg="$(cat)"; fi
[ -n "$msg" ] || msg=" "
lines=$(printf '%s\n' "$msg" | fold -s -w 40)
width=0
while IFS= read -r l; do [ ${#l} -gt $width ] && width=${#l}; done <<EOT
$lines
EOT
rule() { i=0; s=""; while [ $i -lt $2 ]; do s="$s$1"; i=$((i+1)); done; printf '%s' "$s"; }
count=$(printf '%s\n' "$lines" | wc -l)
printf ' %s\n' "$(rule _ $((width + 2)))"
n=0
while IFS= read -r l; do
  n=$((n+1))
  if [ "$count" -eq 1 ]; then open="<"; close=">"
  elif [ $n -eq 1 ]; then open="/"; close="\\"
  elif [ $n -eq "$count" ]; then open="\\"; close="/"
  else open="|"; close="|"; fi
  printf '%s %-*s %s\n' "$open" "$width" "$l" "$close"
done <<EOT
$lines
EOT
printf ' %s\n' "$(rule - $((width + 2)))"
cat <<'WHALE'
      \
       \
        \            .
                    ":"
            ___  _.-'--.__
          /     `         `-._        ______
         |   o                `-.__.-'  __ /
          \                        ___.'  \
           `--.___________.----''''        `
      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
WHALE
