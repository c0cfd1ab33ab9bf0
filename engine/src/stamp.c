#include "stamp.h"
#include <string.h>

void stamp_write(uint8_t *p, const struct stamp *s)
{
	wr32(p, STAMP_MAGIC);
	wr16(p + 4, s->stream);
	wr32(p + STAMP_SEQ_OFF, s->seq);
	stamp_wr64(p + STAMP_TS_OFF, s->tx_ns);
}

int stamp_parse(const uint8_t *p, size_t len, struct stamp *out)
{
	if (len < STAMP_LEN || rd32(p) != STAMP_MAGIC)
		return -1;
	out->stream = rd16(p + 4);
	out->seq = rd32(p + STAMP_SEQ_OFF);
	out->tx_ns = ((uint64_t)rd32(p + STAMP_TS_OFF) << 32) | rd32(p + STAMP_TS_OFF + 4);
	return 0;
}

size_t stamp_payload(uint8_t *out, size_t cap, uint16_t stream, const void *msg, size_t msg_len, size_t hdrs,
		     size_t frame_size)
{
	size_t plen = STAMP_LEN + msg_len;
	if (frame_size > hdrs + plen)
		plen = frame_size - hdrs;
	if (plen > cap)
		plen = cap;
	memset(out, 0, plen);
	stamp_write(out, &(struct stamp){ .stream = stream });
	if (msg_len > plen - STAMP_LEN)
		msg_len = plen - STAMP_LEN;
	memcpy(out + STAMP_LEN, msg, msg_len);
	return plen;
}
