#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

/* vpx_codec_*_init and vpx_codec_control are macros; these are their function forms. */
static inline vpx_codec_err_t cvpx_dec_init(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface,
                                            const vpx_codec_dec_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_dec_init(ctx, iface, cfg, flags);
}
static inline vpx_codec_err_t cvpx_enc_init(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface,
                                            const vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_enc_init(ctx, iface, cfg, flags);
}
static inline vpx_codec_err_t cvpx_set_cpu_used(vpx_codec_ctx_t *ctx, int v) {
    return vpx_codec_control(ctx, VP8E_SET_CPUUSED, v);
}
static inline vpx_codec_err_t cvpx_set_static_threshold(vpx_codec_ctx_t *ctx, unsigned int v) {
    return vpx_codec_control(ctx, VP8E_SET_STATIC_THRESHOLD, v);
}
static inline vpx_codec_err_t cvpx_set_token_partitions(vpx_codec_ctx_t *ctx, int v) {
    return vpx_codec_control(ctx, VP8E_SET_TOKEN_PARTITIONS, v);
}
static inline vpx_codec_err_t cvpx_set_noise_sensitivity(vpx_codec_ctx_t *ctx, unsigned int v) {
    return vpx_codec_control(ctx, VP8E_SET_NOISE_SENSITIVITY, v);
}
static inline vpx_codec_err_t cvpx_set_max_intra_bitrate_pct(vpx_codec_ctx_t *ctx, unsigned int v) {
    return vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, v);
}
static inline vpx_codec_err_t cvpx_vp9_set_row_mt(vpx_codec_ctx_t *ctx, int v) {
    return vpx_codec_control(ctx, VP9D_SET_ROW_MT, v);
}
/* Which reference buffers the last decoded VP8 frame refreshed (VP8_LAST_FRAME | VP8_GOLD_FRAME | VP8_ALTR_FRAME). */
static inline vpx_codec_err_t cvpx_vp8_last_ref_updates(vpx_codec_ctx_t *ctx, int *updates) {
    return vpx_codec_control(ctx, VP8D_GET_LAST_REF_UPDATES, updates);
}
