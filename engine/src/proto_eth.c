#include "proto_eth.h"
#include "proto.h"

size_t eth_build_raw(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t ethertype,
		     const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t len = frame_size < ETH_MIN_FRAME ? ETH_MIN_FRAME : frame_size;
	if (len < ETH_HLEN + msg_len)
		len = ETH_HLEN + msg_len;
	if (len > cap)
		return 0;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ethertype);
	fill_pattern(buf + ETH_HLEN, len - ETH_HLEN, msg, msg_len);
	return len;
}

static size_t eth_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	size_t len = eth_build_raw(t->data, sizeof(t->data), &x->a, x->cfg->ethertype, x->msg, x->msg_len, x->cfg->size);
	return wl_tmpl_done(t, len, 4);
}

const struct wl_proto_ops wl_proto_eth = {
	.name = WL_NAME_ETH, .proto = WL_P_ETH, .family = 4, .per_message = 1, .build = eth_tmpl,
};
