// SPDX-License-Identifier: GPL-2.0
/*
 * kvm__pause with stand-in vCPU threads: one that parks as a vCPU thread
 * does, and one that never leaves "KVM_RUN" (it ignores its kicks, as a
 * vCPU stuck in the host kernel does): the pause is withdrawn after the
 * timeout and the VM is left running, not waited on for ever.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <linux/kvm.h>

#include "unit.h"
#include "kvm/kvm-cpu.h"

struct fake {
	struct kvm	*kvm;
	bool		parks;
	bool		quit;		/* __atomic */
	int		parked;		/* times it parked */
};

static void *fake_vcpu(void *opaque)
{
	struct fake *f = opaque;
	struct kvm *kvm = f->kvm;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* kicks do nothing */
	while (!__atomic_load_n(&f->quit, __ATOMIC_ACQUIRE)) {
		usleep(1000);
		if (!f->parks)
			continue;
		pthread_mutex_lock(&kvm->pause_lock);
		if (kvm->pause_req) {
			kvm->nr_paused++;
			f->parked++;
			pthread_cond_broadcast(&kvm->pause_cond);
			while (kvm->pause_req)
				pthread_cond_wait(&kvm->pause_cond, &kvm->pause_lock);
			kvm->nr_paused--;
		}
		pthread_mutex_unlock(&kvm->pause_lock);
	}
	return NULL;
}

static struct kvm *vm_with(struct fake *f, int n)
{
	struct kvm *kvm = unit_kvm_new(0);
	int i;

	/* A kick may come before a thread has blocked its signals. */
	signal(SIGRTMIN, SIG_IGN);

	kvm->cpus = calloc(n, sizeof(*kvm->cpus));
	ck_assert_ptr_nonnull(kvm->cpus);
	kvm->nr_cpus = n;
	for (i = 0; i < n; i++) {
		struct kvm_cpu *v = calloc(1, sizeof(*v));

		ck_assert_ptr_nonnull(v);
		v->kvm = kvm;
		v->id = i;
		v->run = calloc(1, sizeof(*v->run));
		ck_assert_ptr_nonnull(v->run);
		f[i].kvm = kvm;
		ck_assert_int_eq(pthread_create(&v->thread, NULL, fake_vcpu, &f[i]), 0);
		v->started = true;
		kvm->cpus[i] = v;
	}
	return kvm;
}

static void vm_end(struct kvm *kvm, struct fake *f)
{
	int i;

	for (i = 0; i < kvm->nr_cpus; i++) {
		__atomic_store_n(&f[i].quit, true, __ATOMIC_RELEASE);
		pthread_mutex_lock(&kvm->pause_lock);
		pthread_cond_broadcast(&kvm->pause_cond);
		pthread_mutex_unlock(&kvm->pause_lock);
		pthread_join(kvm->cpus[i]->thread, NULL);
		free(kvm->cpus[i]->run);
		free(kvm->cpus[i]);
	}
	free(kvm->cpus);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

START_TEST(pause_parks_and_resumes)
{
	static struct fake f[2] = { { .parks = true }, { .parks = true } };
	struct kvm *kvm = vm_with(f, 2);

	ck_assert_int_eq(kvm__pause(kvm), 0);
	ck_assert_int_eq(kvm->nr_paused, 2);
	/* Nested: a stat during a pause. */
	ck_assert_int_eq(kvm__pause(kvm), 0);
	kvm__resume(kvm);
	ck_assert_int_eq(kvm->pause_req, 1);
	kvm__resume(kvm);
	ck_assert_int_eq(kvm->pause_req, 0);
	/* Each was kicked (immediate_exit) and parked once. */
	ck_assert_int_eq(kvm->cpus[0]->run->immediate_exit, 1);
	ck_assert_int_eq(f[0].parked, 1);
	vm_end(kvm, f);
}
END_TEST

START_TEST(pause_gives_up_on_a_stuck_vcpu)
{
	static struct fake f[2] = { { .parks = true }, { .parks = false } };
	struct kvm *kvm = vm_with(f, 2);
	double t0;
	int i;

	kvm->pause_timeout_ms = 300;
	t0 = now();
	ck_assert_int_eq(kvm__pause(kvm), -ETIMEDOUT);
	ck_assert_double_ge(now() - t0, 0.29);
	ck_assert_double_lt(now() - t0, 5);
	/* Withdrawn: the vCPU that parked runs again. */
	ck_assert_int_eq(kvm->pause_req, 0);
	for (i = 0; i < 2000 && kvm->nr_paused; i++)
		usleep(1000);
	ck_assert_int_eq(kvm->nr_paused, 0);
	ck_assert_int_eq(f[0].parked, 1);
	vm_end(kvm, f);
}
END_TEST

static Suite *pause_suite(void)
{
	Suite *s = suite_create("pause");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, pause_parks_and_resumes);
	tcase_add_test(tc, pause_gives_up_on_a_stuck_vcpu);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pause_suite)
