// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 keyboard controller.
 *
 * The controller keeps a small queue of bytes for the guest; the head is
 * the output buffer (OBF, and AUXDATA when it came from the mouse port) and
 * raises IRQ 1 or 12 if the command byte enables that port's interrupt.
 * Each byte read produces a fresh edge for the next one, the way a real
 * controller only fetches the next byte from a device once the output
 * buffer is empty.
 *
 * Behind it sit a keyboard that answers reset, identify, LEDs, typematic,
 * scan code set, enable/disable (it never has keys to send) and a PS/2
 * mouse that answers the standard command set (it never moves).  With
 * translation on, the keyboard's bytes pass through the controller's
 * set 2 -> set 1 translation, which only changes 0x83 (the second ID byte)
 * and the scan code set numbers among the bytes this keyboard sends.
 *
 * Pulsing output line 0 (commands 0xF0-0xFE with bit 0 clear) or writing
 * the output port with bit 0 clear resets the machine.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/i8042.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define I8042_QUEUE_SIZE	16
#define I8042_RAM_SIZE		32
#define I8042_STATE_VERSION	1

/* Status register. */
#define STR_OBF		0x01
#define STR_IBF		0x02
#define STR_SYS		0x04
#define STR_CMD		0x08	/* A2: last write went to the command port */
#define STR_UNLOCKED	0x10	/* keyboard not inhibited by the key lock */
#define STR_AUXDATA	0x20
#define STR_TIMEOUT	0x40
#define STR_PARITY	0x80

/* Controller command byte ("CTR", RAM byte 0). */
#define CTR_KBDINT	0x01
#define CTR_AUXINT	0x02
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define CTR_XLATE	0x40
#define CTR_DEFAULT	(CTR_XLATE | CTR_SYS | CTR_AUXINT | CTR_KBDINT)

/* Output port. */
#define OUT_RESET	0x01	/* low resets the CPU */
#define OUT_A20		0x02
#define OUT_KBD_OBF	0x10
#define OUT_AUX_OBF	0x20
#define OUT_DEFAULT	(OUT_A20 | OUT_RESET)

/* Controller commands (port 0x64). */
#define CMD_READ_RAM		0x20	/* 0x20-0x3f */
#define CMD_WRITE_RAM		0x60	/* 0x60-0x7f */
#define CMD_PASSWORD_CHECK	0xa4
#define CMD_AUX_DISABLE		0xa7
#define CMD_AUX_ENABLE		0xa8
#define CMD_AUX_TEST		0xa9
#define CMD_SELF_TEST		0xaa
#define CMD_KBD_TEST		0xab
#define CMD_KBD_DISABLE		0xad
#define CMD_KBD_ENABLE		0xae
#define CMD_READ_INPUT		0xc0
#define CMD_READ_OUTPUT		0xd0
#define CMD_WRITE_OUTPUT	0xd1
#define CMD_WRITE_KBD_OBUF	0xd2
#define CMD_WRITE_AUX_OBUF	0xd3
#define CMD_WRITE_AUX		0xd4
#define CMD_READ_TEST		0xe0
#define CMD_PULSE		0xf0	/* 0xf0-0xff: low nibble = lines kept */

/* Device replies. */
#define PS2_ACK		0xfa
#define PS2_RESEND	0xfe
#define PS2_BAT_OK	0xaa
#define PS2_ECHO	0xee

/* Keyboard commands. */
#define KBD_SET_LEDS	0xed
#define KBD_ECHO	0xee
#define KBD_SCANSET	0xf0
#define KBD_GET_ID	0xf2
#define KBD_TYPEMATIC	0xf3
#define KBD_ENABLE	0xf4
#define KBD_RESET_DIS	0xf5
#define KBD_RESET_DEF	0xf6
#define KBD_RESEND	0xfe
#define KBD_RESET	0xff

/* Mouse commands. */
#define AUX_SCALE11	0xe6
#define AUX_SCALE21	0xe7
#define AUX_SET_RES	0xe8
#define AUX_STATUS	0xe9
#define AUX_STREAM	0xea
#define AUX_READ_DATA	0xeb
#define AUX_RESET_WRAP	0xec
#define AUX_WRAP	0xee
#define AUX_REMOTE	0xf0
#define AUX_GET_ID	0xf2
#define AUX_SET_RATE	0xf3
#define AUX_ENABLE	0xf4
#define AUX_DISABLE	0xf5
#define AUX_DEFAULTS	0xf6
#define AUX_RESEND	0xfe
#define AUX_RESET	0xff

/* Guest-visible state: one snapshot section, no pointers. */
struct i8042_state {
	u8	ram[I8042_RAM_SIZE];	/* ram[0] is the command byte */
	u8	q_data[I8042_QUEUE_SIZE];
	u8	q_aux[I8042_QUEUE_SIZE];	/* byte came from the mouse */
	u8	q_head;
	u8	q_count;
	u8	pending;	/* controller command waiting for data, or 0 */
	u8	last_was_cmd;	/* status A2 */
	u8	outport;
	u8	last_data;	/* what port 0x60 reads when empty */
	u8	irq_kbd;	/* line levels the interrupt controller has */
	u8	irq_aux;

	u8	kbd_pending;	/* command waiting for its argument, or 0 */
	u8	kbd_scanning;
	u8	kbd_leds;
	u8	kbd_typematic;
	u8	kbd_set;
	u8	kbd_last;	/* for KBD_RESEND */

	u8	aux_pending;
	u8	aux_enabled;
	u8	aux_remote;
	u8	aux_wrap;
	u8	aux_scale21;
	u8	aux_res;
	u8	aux_rate;
	u8	aux_last;
};

struct i8042 {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus_range	data_range;
	struct bus_range	cmd_range;
	pthread_mutex_t		lock;
	struct i8042_state	st;
};

#define CTR(s)	((s)->st.ram[0])

static void set_line(struct i8042 *s, u32 irq, u8 *cur, bool level)
{
	if (level == !!*cur)
		return;
	*cur = level;
	kvm__irq_line(s->kvm, irq, level);
}

static void update_irqs(struct i8042 *s)
{
	struct i8042_state *st = &s->st;
	bool kbd = false, aux = false;

	if (st->q_count) {
		if (st->q_aux[st->q_head])
			aux = CTR(s) & CTR_AUXINT;
		else
			kbd = CTR(s) & CTR_KBDINT;
	}
	set_line(s, I8042_KBD_IRQ, &st->irq_kbd, kbd);
	set_line(s, I8042_AUX_IRQ, &st->irq_aux, aux);
}

static void queue_byte(struct i8042 *s, u8 v, bool aux)
{
	struct i8042_state *st = &s->st;
	u32 i;

	if (st->q_count >= I8042_QUEUE_SIZE) {
		pr_debug("i8042: output queue full, 0x%02x dropped", v);
		return;
	}
	i = (st->q_head + st->q_count) % I8042_QUEUE_SIZE;
	st->q_data[i] = v;
	st->q_aux[i] = aux;
	st->q_count++;
}

static void queue_ctrl(struct i8042 *s, u8 v)
{
	queue_byte(s, v, false);
}

/* The set 2 -> set 1 translation, for the bytes our keyboard can send. */
static u8 xlate(u8 v)
{
	switch (v) {
	case 0x01:
		return 0x43;
	case 0x02:
	case 0x83:
		return 0x41;
	case 0x03:
		return 0x3f;
	}
	return v;
}

static void kbd_reply(struct i8042 *s, u8 v)
{
	s->st.kbd_last = v;
	queue_byte(s, (CTR(s) & CTR_XLATE) ? xlate(v) : v, false);
}

static void aux_reply(struct i8042 *s, u8 v)
{
	s->st.aux_last = v;
	queue_byte(s, v, true);
}

static void kbd_defaults(struct i8042 *s)
{
	s->st.kbd_pending = 0;
	s->st.kbd_leds = 0;
	s->st.kbd_typematic = 0x2b;	/* 10.9 cps, 500 ms */
	s->st.kbd_set = 2;
}

static void aux_defaults(struct i8042 *s)
{
	s->st.aux_pending = 0;
	s->st.aux_enabled = 0;
	s->st.aux_remote = 0;
	s->st.aux_scale21 = 0;
	s->st.aux_res = 2;		/* 4 counts/mm */
	s->st.aux_rate = 100;
}

static void kbd_argument(struct i8042 *s, u8 cmd, u8 v)
{
	struct i8042_state *st = &s->st;

	switch (cmd) {
	case KBD_SET_LEDS:
		st->kbd_leds = v & 7;
		kbd_reply(s, PS2_ACK);
		break;
	case KBD_TYPEMATIC:
		st->kbd_typematic = v & 0x7f;
		kbd_reply(s, PS2_ACK);
		break;
	case KBD_SCANSET:
		kbd_reply(s, PS2_ACK);
		if (v == 0)
			kbd_reply(s, st->kbd_set);
		else if (v <= 3)
			st->kbd_set = v;
		break;
	}
}

/* A byte written to port 0x60 for the keyboard. */
static void kbd_write(struct i8042 *s, u8 v)
{
	struct i8042_state *st = &s->st;
	u8 cmd = st->kbd_pending;

	st->kbd_pending = 0;
	/* Arguments are below 0x80; anything else is a new command. */
	if (cmd && v < 0x80) {
		kbd_argument(s, cmd, v);
		return;
	}
	switch (v) {
	case KBD_SET_LEDS:
	case KBD_TYPEMATIC:
	case KBD_SCANSET:
		kbd_reply(s, PS2_ACK);
		st->kbd_pending = v;
		break;
	case KBD_ECHO:
		kbd_reply(s, PS2_ECHO);
		break;
	case KBD_GET_ID:
		kbd_reply(s, PS2_ACK);
		kbd_reply(s, 0xab);
		kbd_reply(s, 0x83);
		break;
	case KBD_ENABLE:
		st->kbd_scanning = 1;
		kbd_reply(s, PS2_ACK);
		break;
	case KBD_RESET_DIS:
		kbd_defaults(s);
		st->kbd_scanning = 0;
		kbd_reply(s, PS2_ACK);
		break;
	case KBD_RESET_DEF:
		kbd_defaults(s);
		kbd_reply(s, PS2_ACK);
		break;
	case 0xf7 ... 0xfd:	/* set 3 key types: accepted, no effect */
		kbd_reply(s, PS2_ACK);
		break;
	case KBD_RESEND:
		kbd_reply(s, st->kbd_last);
		break;
	case KBD_RESET:
		kbd_defaults(s);
		st->kbd_scanning = 1;
		kbd_reply(s, PS2_ACK);
		kbd_reply(s, PS2_BAT_OK);
		break;
	default:
		pr_debug("i8042: unknown keyboard command 0x%02x", v);
		kbd_reply(s, PS2_RESEND);
		break;
	}
}

static void aux_status(struct i8042 *s)
{
	struct i8042_state *st = &s->st;

	aux_reply(s, (st->aux_remote ? 0x40 : 0) |
		     (st->aux_enabled ? 0x20 : 0) |
		     (st->aux_scale21 ? 0x10 : 0));
	aux_reply(s, st->aux_res);
	aux_reply(s, st->aux_rate);
}

/* A byte sent to the mouse with controller command 0xD4. */
static void aux_write(struct i8042 *s, u8 v)
{
	struct i8042_state *st = &s->st;
	u8 cmd = st->aux_pending;

	if (st->aux_wrap && v != AUX_RESET_WRAP && v != AUX_RESET) {
		aux_reply(s, v);
		return;
	}
	st->aux_pending = 0;
	if (cmd) {
		if (cmd == AUX_SET_RATE)
			st->aux_rate = v;
		else
			st->aux_res = v & 3;
		aux_reply(s, PS2_ACK);
		return;
	}
	switch (v) {
	case AUX_SCALE11:
	case AUX_SCALE21:
		st->aux_scale21 = v == AUX_SCALE21;
		aux_reply(s, PS2_ACK);
		break;
	case AUX_SET_RES:
	case AUX_SET_RATE:
		aux_reply(s, PS2_ACK);
		st->aux_pending = v;
		break;
	case AUX_STATUS:
		aux_reply(s, PS2_ACK);
		aux_status(s);
		break;
	case AUX_STREAM:
	case AUX_REMOTE:
		st->aux_remote = v == AUX_REMOTE;
		aux_reply(s, PS2_ACK);
		break;
	case AUX_READ_DATA:
		aux_reply(s, PS2_ACK);
		aux_reply(s, 0x08);	/* no buttons, no movement */
		aux_reply(s, 0);
		aux_reply(s, 0);
		break;
	case AUX_RESET_WRAP:
	case AUX_WRAP:
		st->aux_wrap = v == AUX_WRAP;
		aux_reply(s, PS2_ACK);
		break;
	case AUX_GET_ID:
		aux_reply(s, PS2_ACK);
		aux_reply(s, 0x00);	/* standard PS/2 mouse */
		break;
	case AUX_ENABLE:
	case AUX_DISABLE:
		st->aux_enabled = v == AUX_ENABLE;
		aux_reply(s, PS2_ACK);
		break;
	case AUX_DEFAULTS:
		aux_defaults(s);
		aux_reply(s, PS2_ACK);
		break;
	case AUX_RESEND:
		aux_reply(s, st->aux_last);
		break;
	case AUX_RESET:
		aux_defaults(s);
		st->aux_wrap = 0;
		aux_reply(s, PS2_ACK);
		aux_reply(s, PS2_BAT_OK);
		aux_reply(s, 0x00);	/* device ID */
		break;
	default:
		pr_debug("i8042: unknown mouse command 0x%02x", v);
		aux_reply(s, PS2_RESEND);
		break;
	}
}

static void machine_reset(struct i8042 *s)
{
	pr_debug("i8042: guest requested a reset");
	kvm__request_exit(s->kvm, VM_EXIT_RESET);
}

static u8 read_output_port(struct i8042 *s)
{
	struct i8042_state *st = &s->st;
	u8 v = st->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);

	if (st->q_count)
		v |= st->q_aux[st->q_head] ? OUT_AUX_OBF : OUT_KBD_OBF;
	return v;
}

static void write_command(struct i8042 *s, u8 cmd)
{
	struct i8042_state *st = &s->st;

	st->pending = 0;
	switch (cmd) {
	case CMD_READ_RAM ... CMD_READ_RAM + I8042_RAM_SIZE - 1:
		queue_ctrl(s, st->ram[cmd - CMD_READ_RAM]);
		break;
	case CMD_WRITE_RAM ... CMD_WRITE_RAM + I8042_RAM_SIZE - 1:
	case CMD_WRITE_OUTPUT:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		st->pending = cmd;
		break;
	case CMD_PASSWORD_CHECK:
		queue_ctrl(s, 0xf1);	/* no password installed */
		break;
	case CMD_AUX_DISABLE:
		CTR(s) |= CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		CTR(s) &= ~CTR_AUXDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		queue_ctrl(s, 0x00);	/* interface OK */
		break;
	case CMD_SELF_TEST:
		CTR(s) |= CTR_SYS;
		queue_ctrl(s, 0x55);
		break;
	case CMD_KBD_DISABLE:
		CTR(s) |= CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		CTR(s) &= ~CTR_KBDDIS;
		break;
	case CMD_READ_INPUT:
		queue_ctrl(s, 0x80);	/* keyboard not inhibited */
		break;
	case CMD_READ_OUTPUT:
		queue_ctrl(s, read_output_port(s));
		break;
	case CMD_READ_TEST:
		queue_ctrl(s, 0x00);
		break;
	case CMD_PULSE ... 0xff:
		if (!(cmd & OUT_RESET))
			machine_reset(s);
		break;
	default:
		pr_debug("i8042: unknown controller command 0x%02x", cmd);
		break;
	}
}

static void write_data(struct i8042 *s, u8 v)
{
	struct i8042_state *st = &s->st;
	u8 cmd = st->pending;

	st->pending = 0;
	switch (cmd) {
	case 0:
		kbd_write(s, v);
		break;
	case CMD_WRITE_RAM ... CMD_WRITE_RAM + I8042_RAM_SIZE - 1:
		st->ram[cmd - CMD_WRITE_RAM] = v;
		break;
	case CMD_WRITE_OUTPUT:
		st->outport = v & ~(OUT_KBD_OBF | OUT_AUX_OBF);
		if (!(v & OUT_RESET))
			machine_reset(s);
		break;
	case CMD_WRITE_KBD_OBUF:
		queue_byte(s, v, false);
		break;
	case CMD_WRITE_AUX_OBUF:
		queue_byte(s, v, true);
		break;
	case CMD_WRITE_AUX:
		aux_write(s, v);
		break;
	}
}

static u8 read_data(struct i8042 *s)
{
	struct i8042_state *st = &s->st;

	if (!st->q_count)
		return st->last_data;
	st->last_data = st->q_data[st->q_head];
	st->q_head = (st->q_head + 1) % I8042_QUEUE_SIZE;
	st->q_count--;
	/* The buffer empties before the next byte arrives: a new edge. */
	set_line(s, I8042_KBD_IRQ, &st->irq_kbd, false);
	set_line(s, I8042_AUX_IRQ, &st->irq_aux, false);
	return st->last_data;
}

static u8 read_status(struct i8042 *s)
{
	struct i8042_state *st = &s->st;
	u8 v = STR_UNLOCKED;

	if (st->q_count) {
		v |= STR_OBF;
		if (st->q_aux[st->q_head])
			v |= STR_AUXDATA;
	}
	if (CTR(s) & CTR_SYS)
		v |= STR_SYS;
	if (st->last_was_cmd)
		v |= STR_CMD;
	return v;
}

/*
 * Both ports are one byte wide: a wider access (which the bus would not
 * route here anyway) acts on its first byte and reads 0xff above it.
 */
static void i8042_io(struct i8042 *s, bool cmd_port, u64 offset, u8 *data,
		     u32 len, bool is_write)
{
	if (!len)
		return;
	if (offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (is_write) {
		s->st.last_was_cmd = cmd_port;
		if (cmd_port)
			write_command(s, data[0]);
		else
			write_data(s, data[0]);
	} else {
		data[0] = cmd_port ? read_status(s) : read_data(s);
		memset(data + 1, 0xff, len - 1);
	}
	update_irqs(s);
	pthread_mutex_unlock(&s->lock);
}

static void i8042_data_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
			  bool is_write, void *opaque)
{
	i8042_io(opaque, false, offset, data, len, is_write);
}

static void i8042_cmd_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
			 bool is_write, void *opaque)
{
	i8042_io(opaque, true, offset, data, len, is_write);
}

/* Power-on state, as firmware leaves it. */
static void reset_state(struct i8042 *s)
{
	struct i8042_state *st = &s->st;
	u8 irq_kbd = st->irq_kbd, irq_aux = st->irq_aux;

	memset(st, 0, sizeof(*st));
	st->irq_kbd = irq_kbd;
	st->irq_aux = irq_aux;
	CTR(s) = CTR_DEFAULT;
	st->outport = OUT_DEFAULT;
	kbd_defaults(s);
	st->kbd_scanning = 1;
	aux_defaults(s);
}

static void i8042_reset(struct vm_device *dev)
{
	struct i8042 *s = container_of(dev, struct i8042, dev);

	pthread_mutex_lock(&s->lock);
	reset_state(s);
	update_irqs(s);
	pthread_mutex_unlock(&s->lock);
}

static int i8042_save(struct vm_device *dev, struct snapshot *snap)
{
	struct i8042 *s = container_of(dev, struct i8042, dev);
	struct i8042_state st;

	pthread_mutex_lock(&s->lock);
	st = s->st;
	pthread_mutex_unlock(&s->lock);
	return snap_put(snap, dev->name, I8042_STATE_VERSION, &st, sizeof(st));
}

static int i8042_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct i8042 *s = container_of(dev, struct i8042, dev);
	struct i8042_state st;
	int ret;

	ret = snap_get(snap, dev->name, I8042_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	st.q_head %= I8042_QUEUE_SIZE;
	if (st.q_count > I8042_QUEUE_SIZE)
		st.q_count = I8042_QUEUE_SIZE;

	pthread_mutex_lock(&s->lock);
	s->st = st;
	/* Tell the (new) interrupt controller where the lines are. */
	s->st.irq_kbd = s->st.irq_aux = 0;
	kvm__irq_line(s->kvm, I8042_KBD_IRQ, 0);
	kvm__irq_line(s->kvm, I8042_AUX_IRQ, 0);
	update_irqs(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void i8042_exit(struct vm_device *dev)
{
	struct i8042 *s = container_of(dev, struct i8042, dev);

	bus_del(&s->kvm->pio_bus, &s->data_range);
	bus_del(&s->kvm->pio_bus, &s->cmd_range);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct vm_device_ops i8042_ops = {
	.type		= "i8042",
	.reset		= i8042_reset,
	.save		= i8042_save,
	.restore	= i8042_restore,
	.exit		= i8042_exit,
};

int i8042__init(struct kvm *kvm)
{
	struct i8042 *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->kvm = kvm;
	snprintf(s->dev.name, sizeof(s->dev.name), "i8042");
	s->dev.ops = &i8042_ops;
	pthread_mutex_init(&s->lock, NULL);
	reset_state(s);

	s->data_range = (struct bus_range) {
		.base	= I8042_DATA_PORT,
		.len	= 1,
		.fn	= i8042_data_io,
		.opaque	= s,
		.name	= "i8042 data",
	};
	s->cmd_range = (struct bus_range) {
		.base	= I8042_COMMAND_PORT,
		.len	= 1,
		.fn	= i8042_cmd_io,
		.opaque	= s,
		.name	= "i8042 command",
	};
	ret = bus_add(&kvm->pio_bus, &s->data_range);
	if (!ret) {
		ret = bus_add(&kvm->pio_bus, &s->cmd_range);
		if (ret)
			bus_del(&kvm->pio_bus, &s->data_range);
	}
	if (ret) {
		pr_err("i8042: cannot register ports 0x60/0x64: %s",
		       strerror(-ret));
		pthread_mutex_destroy(&s->lock);
		free(s);
		return ret;
	}
	kvm__add_device(kvm, &s->dev);
	return 0;
}

bool i8042__irq_level(struct kvm *kvm, u32 irq)
{
	struct vm_device *dev;
	bool level = false;

	list_for_each_entry(dev, &kvm->devices, list) {
		struct i8042 *s;

		if (dev->ops != &i8042_ops)
			continue;
		s = container_of(dev, struct i8042, dev);
		pthread_mutex_lock(&s->lock);
		if (irq == I8042_KBD_IRQ)
			level = s->st.irq_kbd;
		else if (irq == I8042_AUX_IRQ)
			level = s->st.irq_aux;
		pthread_mutex_unlock(&s->lock);
		break;
	}
	return level;
}
