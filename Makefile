# lkvm: a small virtual machine monitor for Linux KVM.
#
#   make                      build ./lkvm for the host
#   make lkvm-static          static binary
#   make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- lkvm-static
#   make O=DIR ...            objects and binaries in DIR (one per arch)
#   make check                unit, host-KVM, CLI (on an ASan/UBSan build;
#                             CHECK_SANITIZE=0: a plain one) and nested tests
#   make bench                benchmarks (ratios against in-run baselines)
#   make demo                 boot a Linux guest and show it working

VERSION		:= 0.1.0
HOST_ARCH	:= $(shell uname -m)
ARCH		?= $(HOST_ARCH)
CROSS_COMPILE	?=

override ARCH := $(patsubst i%86,x86,$(patsubst x86_64,x86,$(ARCH)))
override ARCH := $(patsubst aarch64,arm64,$(ARCH))
override ARCH := $(patsubst riscv,riscv64,$(ARCH))

ifeq ($(ARCH),x86)
ARCH_DIR	:= x86
else ifeq ($(ARCH),arm64)
ARCH_DIR	:= arm
else ifeq ($(ARCH),riscv64)
ARCH_DIR	:= riscv
else
$(error ARCH=$(ARCH) is not supported: use x86_64, arm64 or riscv64)
endif

CC		:= $(CROSS_COMPILE)gcc
AR		:= $(CROSS_COMPILE)ar
PKG_CONFIG	?= pkg-config

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -Wno-missing-field-initializers -fno-strict-aliasing \
		   -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
		   -DLKVM_VERSION=\"$(VERSION)\" \
		   -Iinclude -I$(ARCH_DIR)/include -MMD -MP
LDFLAGS		?=
LIBS		:= -lpthread

ifeq ($(SANITIZE),1)
CFLAGS		+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined
LDFLAGS		+= -fsanitize=address,undefined
endif

CORE_OBJS	:= util.o bus.o kvm.o kvm-cpu.o ioport.o mmio.o term.o \
		   snapshot.o parse-options.o ctl.o config.o iothread.o irq.o \
		   pci.o virtio/core.o virtio/pci.o virtio/rng.o \
		   virtio/console.o virtio/blk.o disk-image.o p9.o virtio/9p.o \
		   builtin-run.o builtin-list.o builtin-ctl.o builtin-version.o \
		   builtin-help.o builtin-save.o builtin-stat.o builtin-debug.o vm-state.o \
		   loader.o

include $(ARCH_DIR)/Makefile.inc

ifneq ($(O),)
OUT		:= $(patsubst %/,%,$(O))/
else
OUT		:=
endif

LIB_OBJS	:= $(addprefix $(OUT),$(CORE_OBJS) $(ARCH_OBJS))
OBJS		:= $(OUT)main.o $(LIB_OBJS)
LIBS		+= $(ARCH_LIBS)

all: lkvm

ifneq ($(OUT),)
.PHONY: lkvm lkvm-static
lkvm: $(OUT)lkvm
lkvm-static: $(OUT)lkvm-static
endif

$(OUT)lkvm: $(OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(OUT)lkvm-static: $(OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $(OBJS) $(LIBS)

LIBLKVM		:= $(OUT)liblkvm.a

$(LIBLKVM): $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $(LIB_OBJS)

ifneq ($(V),1)
Q := @
endif

$(OUT)%.o: %.c
	@echo "  CC      $@"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- tests
CHECK_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS	:= $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
UNIT_SRCS	:= $(sort $(wildcard tests/unit/test-*.c)) \
		   $(sort $(wildcard tests/unit/$(ARCH_DIR)/test-*.c))
UNIT_BINS	:= $(addprefix $(OUT),$(UNIT_SRCS:.c=))

$(UNIT_BINS): $(OUT)%: %.c $(LIBLKVM) tests/unit/unit.h
	@echo "  TEST    $@"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< $(LIBLKVM) \
		$(LDFLAGS) $(CHECK_LIBS) $(LIBS)

# arm64 code that is plain C (device tree, Image header, PL031) is also
# unit-tested on other hosts, against the host's libfdt; with it the
# device tree and Image code it shares with riscv64 (fdt.c, image.c).
ifneq ($(ARCH_DIR),arm)
ARM_HOST_TESTS	:= $(OUT)tests/unit/arm/test-fdt $(OUT)tests/unit/arm/test-pl031
$(OUT)tests/unit/arm/test-fdt: arm/fdt.c arm/image.c arm/pvtime.c fdt.c image.c
$(OUT)tests/unit/arm/test-pl031: hw/pl031.c
$(ARM_HOST_TESTS): $(OUT)%: %.c $(LIBLKVM) tests/unit/unit.h
	@echo "  TEST    $@"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(if $(filter %/test-fdt,$@),-Iarm/include) \
		$(filter-out -MMD -MP,$(CFLAGS)) $(CHECK_CFLAGS) -Itests/unit \
		-o $@ $< $(filter %.c,$(filter-out $<,$^)) $(LIBLKVM) \
		$(LDFLAGS) $(CHECK_LIBS) -l:libfdt.so.1 $(LIBS)
endif

# The same for riscv64 (device tree, Image header, ISA strings, PLIC).
ifneq ($(ARCH_DIR),riscv)
RISCV_HOST_TESTS := $(OUT)tests/unit/riscv/test-riscv \
		    $(OUT)tests/unit/riscv/test-plic
$(OUT)tests/unit/riscv/test-riscv: riscv/fdt.c riscv/image.c riscv/isa.c \
				    fdt.c image.c
$(OUT)tests/unit/riscv/test-plic: hw/plic.c
$(RISCV_HOST_TESTS): $(OUT)%: %.c $(LIBLKVM) tests/unit/unit.h
	@echo "  TEST    $@"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(if $(filter %/test-riscv,$@),-Iriscv/include) \
		$(filter-out -MMD -MP,$(CFLAGS)) $(CHECK_CFLAGS) -Itests/unit \
		-o $@ $< $(filter %.c,$(filter-out $<,$^)) $(LIBLKVM) \
		$(LDFLAGS) $(CHECK_LIBS) -l:libfdt.so.1 $(LIBS)
endif

unit: $(UNIT_BINS) $(ARM_HOST_TESTS) $(RISCV_HOST_TESTS)
	@tests/unit/run.sh $(UNIT_BINS) $(ARM_HOST_TESTS) $(RISCV_HOST_TESTS)

guests:
	$(MAKE) -C tests/guests

check-unit: unit
# The binary the host tests run (./lkvm, or the one in O=).
TEST_LKVM	:= $(if $(OUT),$(OUT),./)lkvm
check-guests: lkvm guests
	tests/guests/run.sh $(TEST_LKVM)
	tests/guests/pci.sh $(TEST_LKVM)
check-cli: lkvm guests
	tests/cli.sh $(TEST_LKVM)
check-e2e:
	tests/e2e/run-all.sh

# Every part runs even if an earlier one fails; the summary says which.
# The host parts run on a build with ASan and UBSan (CHECK_SANITIZE=0: a
# plain one) in its own directory; the nested suites need static binaries,
# which cannot carry the sanitizers.
CHECK_SANITIZE	?= $(if $(SANITIZE),$(SANITIZE),1)
CHECK_O		?= $(if $(O),$(O),.cache/build/host-check$(if $(filter 1,$(CHECK_SANITIZE)),-san))
check:
	@scripts/setup.sh check
	@failed=""; \
	for t in check-unit check-guests check-cli; do \
		$(MAKE) --no-print-directory O=$(CHECK_O) \
			SANITIZE=$(CHECK_SANITIZE) $$t || failed="$$failed $$t"; \
	done; \
	$(MAKE) --no-print-directory check-e2e || failed="$$failed check-e2e"; \
	if [ -n "$$failed" ]; then echo "make check: FAILED:$$failed"; exit 1; fi; \
	echo "make check: all passed"

bench/blk-bench: bench/blk-bench.c $(LIBLKVM)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBLKVM) $(LDFLAGS) $(LIBS)

bench: bench/blk-bench
	@scripts/setup.sh bench
	bench/run.sh

demo:
	@scripts/setup.sh demo
	scripts/demo.sh

clean:
	rm -f lkvm lkvm-static $(LIBLKVM) $(UNIT_BINS) $(ARM_HOST_TESTS) \
		$(RISCV_HOST_TESTS)
	find . -name '*.o' -o -name '*.d' | grep -v '^./.cache' | xargs rm -f
	$(MAKE) -C tests/guests clean
	rm -rf bench/out

.PHONY: all clean check check-unit check-guests check-cli check-e2e unit \
	guests bench demo

-include $(OBJS:.o=.d)
