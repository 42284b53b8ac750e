/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__COMPILER_H
#define KVM__COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define __packed	__attribute__((packed))
#define __unused	__attribute__((unused))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __stringify_1(x)	#x
#define __stringify(x)	__stringify_1(x)
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define IS_POW2(x)		((x) != 0 && (((x) & ((x) - 1)) == 0))

#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define SZ_1K	0x400ULL
#define SZ_4K	0x1000ULL
#define SZ_64K	0x10000ULL
#define SZ_1M	0x100000ULL
#define SZ_2M	0x200000ULL
#define SZ_16M	0x1000000ULL
#define SZ_64M	0x4000000ULL
#define SZ_256M	0x10000000ULL
#define SZ_1G	0x40000000ULL
#define SZ_4G	0x100000000ULL

#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))

#endif
