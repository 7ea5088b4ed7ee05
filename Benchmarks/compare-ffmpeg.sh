#!/usr/bin/env bash
# Compares the review and audio profiles with ffmpeg's fastest equal-settings variants on a
# 60 s 1280x720 30 fps VP8 + Opus recording: speed (best and median of alternating runs), output
# bitrates, and SSIM against the source scaled to 640x360 at 15 fps.
#
#   Benchmarks/compare-ffmpeg.sh
#
# By default ours is `sessionvault review` from the encrypted store (Benchmarks/vault-review.sh:
# the input is ingested once, then each timed run decrypts and transcodes it; release build).
# REVIEW_CMD and AUDIO_CMD override it: commands that take INPUT OUTPUT; RUNS (default 3) sets the
# number of timed runs per command after one warm-up; WORK_DIR keeps the generated input.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
if [[ -z ${REVIEW_CMD:-} || -z ${AUDIO_CMD:-} ]]; then
    (cd "$HERE/.." && swift build -c release -Xcc -DNDEBUG --product sessionvault >&2)
fi
REVIEW_CMD=${REVIEW_CMD:-"bash $HERE/vault-review.sh review"}
AUDIO_CMD=${AUDIO_CMD:-"bash $HERE/vault-review.sh audio"}
RUNS=${RUNS:-3}
WORK_DIR=${WORK_DIR:-${TMPDIR:-/tmp}/sessionvault-bench}
SECONDS_LONG=60
mkdir -p "$WORK_DIR"
IN="$WORK_DIR/in-720p30-vp8-opus.webm"

for tool in ffmpeg ffprobe bc /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare-ffmpeg: $tool is not installed" >&2; exit 1; }
done

if [[ ! -s "$IN" ]]; then
    echo "making the ${SECONDS_LONG} s 1280x720 30 fps VP8 + Opus input (about a minute)..." >&2
    ffmpeg -v error -nostdin -y -f lavfi -i "testsrc2=size=1280x720:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$SECONDS_LONG" \
        -c:v libvpx -b:v 2M -deadline realtime -cpu-used 8 -g 90 -c:a libopus -b:a 64k -ac 2 "$IN"
fi

# The peers: ffmpeg's fastest variants at the same settings (15 fps, 640x360, 400 kbit/s VP8 in
# realtime mode with a key frame at least every 3 s, Opus mono 24 kbit/s), each named by its
# encoder speed and threads; and a plain Opus copy. `fps=15` before `scale` drops frames before
# scaling, as we do. ffmpeg's own VP8 decoder uses frame threads on both cores in every variant.
FF_VARIANTS=("cpu-used -8, threads 1" "cpu-used -16, threads 1" "cpu-used 16, threads 2")
ff_review() { # ff_review VARIANT-INDEX OUTPUT
    local speed threads
    case $1 in 0) speed=-8 threads=1 ;; 1) speed=-16 threads=1 ;; 2) speed=16 threads=2 ;; esac
    ffmpeg -v error -nostdin -y -i "$IN" -vf fps=15,scale=640:360 -c:v libvpx -deadline realtime \
        -cpu-used "$speed" -threads "$threads" -b:v 400k -g 45 -c:a libopus -b:a 24k -ac 1 -application voip "$2"
}
export -f ff_review
export IN
FF_AUDIO=(ffmpeg -v error -nostdin -y -i "$IN" -vn -c:a copy)

# time_run NAME CMD...: appends the wall and CPU (user + system) seconds of one run to NAME.wall
# and NAME.cpu. CPU time is the steadier figure on a shared machine; wall time shows the overlap.
time_run() {
    local name=$1; shift
    local record start end
    record=$(mktemp)
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$record" "$@" >/dev/null 2>&1 || { echo "compare-ffmpeg: failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l >>"$name.wall"
    awk '{ print $1 + $2 }' "$record" >>"$name.cpu"
    rm -f "$record"
}
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
video_kbps() {
    ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "$1" |
        awk -v d="$SECONDS_LONG" -F, '{ s += $1 } END { printf "%.0f", s * 8 / d / 1000 }'
}
audio_kbps() {
    ffprobe -v error -select_streams a:0 -show_entries packet=size -of csv=p=0 "$1" |
        awk -v d="$SECONDS_LONG" -F, '{ s += $1 } END { printf "%.1f", s * 8 / d / 1000 }'
}
# SSIM against the source scaled to 640x360, frame by frame in order. Each copy holds every other
# source frame, but which ones (even or odd) and whether the first is repeated (ffmpeg's -r 15
# repeats it) differ, so the best of the four alignments is reported.
ssim() {
    local best=0 parity skip value
    for parity in 0 1; do
        for skip in 0 1; do
            value=$(ffmpeg -nostdin -i "$1" -i "$IN" -lavfi \
                "[1:v]select='eq(mod(n\,2)\,$parity)',scale=640:360,setpts=N/15/TB[ref];[0:v]trim=start_frame=$skip,setpts=N/15/TB[out];[out][ref]ssim=shortest=1" \
                -f null - 2>&1 | sed -n 's/.*All:\([0-9.]*\).*/\1/p' | tail -1)
            if [[ -n "$value" ]] && (($(echo "$value > $best" | bc -l))); then best=$value; fi
        done
    done
    echo "$best"
}

OURS_REVIEW="$WORK_DIR/ours.review.webm"
OURS_AUDIO="$WORK_DIR/ours.audio.opus"
FF_AUDIO_OUT="$WORK_DIR/ffmpeg.audio.opus"
TIMES=$(mktemp -d)
trap 'rm -rf "$TIMES"' EXIT

echo "warm-up..." >&2
# shellcheck disable=SC2086
$REVIEW_CMD "$IN" "$OURS_REVIEW" >/dev/null 2>&1 || { echo "compare-ffmpeg: '$REVIEW_CMD' failed" >&2; exit 1; }
for v in "${!FF_VARIANTS[@]}"; do ff_review "$v" "$WORK_DIR/ffmpeg.review.$v.webm"; done
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= RUNS; run++)); do
    echo "run $run/$RUNS..." >&2
    # shellcheck disable=SC2086
    time_run "$TIMES/ours-review" $REVIEW_CMD "$IN" "$OURS_REVIEW"
    for v in "${!FF_VARIANTS[@]}"; do
        time_run "$TIMES/ff-review-$v" bash -c 'ff_review "$0" "$1"' "$v" "$WORK_DIR/ffmpeg.review.$v.webm"
    done
    # shellcheck disable=SC2086
    time_run "$TIMES/ours-audio" $AUDIO_CMD "$IN" "$OURS_AUDIO"
    time_run "$TIMES/ff-audio" "${FF_AUDIO[@]}" "$FF_AUDIO_OUT"
done

best() { sort -g "$1" | head -1; }
x() { echo "scale=1; $SECONDS_LONG / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
ours_review=$(best "$TIMES/ours-review.wall")
fastest=""
fastest_wall=""
for v in "${!FF_VARIANTS[@]}"; do
    wall=$(best "$TIMES/ff-review-$v.wall")
    if [[ -z $fastest_wall ]] || (($(echo "$wall < $fastest_wall" | bc -l))); then fastest=$v fastest_wall=$wall; fi
done

echo
echo "input: $SECONDS_LONG s 1280x720 30 fps VP8 2 Mbit/s + Opus stereo 64 kbit/s; $RUNS alternating runs; best (median) of each"
echo "load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores)"
printf '%-34s %15s %7s %10s %10s %10s %9s\n' "variant" "wall s" "CPU s" "x realtime" "video kb/s" "audio kb/s" "SSIM"
printf '%-34s %6.2f (%6.2f) %7.2f %10s %10s %10s %9s\n' "ours: review profile" "$ours_review" "$(median "$TIMES/ours-review.wall")" \
    "$(median "$TIMES/ours-review.cpu")" "$(x "$ours_review")" "$(video_kbps "$OURS_REVIEW")" "$(audio_kbps "$OURS_REVIEW")" "$(ssim "$OURS_REVIEW")"
for v in "${!FF_VARIANTS[@]}"; do
    out="$WORK_DIR/ffmpeg.review.$v.webm"
    printf '%-34s %6.2f (%6.2f) %7.2f %10s %10s %10s %9s\n' "ffmpeg ${FF_VARIANTS[$v]}" "$(best "$TIMES/ff-review-$v.wall")" \
        "$(median "$TIMES/ff-review-$v.wall")" "$(median "$TIMES/ff-review-$v.cpu")" "$(x "$(best "$TIMES/ff-review-$v.wall")")" \
        "$(video_kbps "$out")" "$(audio_kbps "$out")" "$(ssim "$out")"
done
printf '%-34s %6.2f (%6.2f) %7.2f %10s\n' "ours: audio profile (Opus copy)" "$(best "$TIMES/ours-audio.wall")" "$(median "$TIMES/ours-audio.wall")" \
    "$(median "$TIMES/ours-audio.cpu")" "$(x "$(best "$TIMES/ours-audio.wall")")"
printf '%-34s %6.2f (%6.2f) %7.2f %10s\n' "ffmpeg -c:a copy (.opus)" "$(best "$TIMES/ff-audio.wall")" "$(median "$TIMES/ff-audio.wall")" \
    "$(median "$TIMES/ff-audio.cpu")" "$(x "$(best "$TIMES/ff-audio.wall")")"
echo "speed ratio, review (fastest ffmpeg variant's best wall / ours, ffmpeg ${FF_VARIANTS[$fastest]}): $(ratio "$fastest_wall" "$ours_review")  (target >= 1.5)"
echo "speed ratio, audio  (ffmpeg best wall / ours): $(ratio "$(best "$TIMES/ff-audio.wall")" "$(best "$TIMES/ours-audio.wall")")  (target >= 1.0)"
echo "video bitrate target: 400 kb/s (within 15%); SSIM target: within 0.01 of ffmpeg's"
