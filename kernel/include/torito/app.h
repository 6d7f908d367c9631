/*
 * The application entry point. Every image links exactly one application,
 * which defines torito_main(). The kernel calls it on CPU 0 once the console,
 * traps and the boot record are ready; its return value is the image's exit
 * status (0 success), passed to power_off().
 */
#ifndef TORITO_APP_H
#define TORITO_APP_H

int torito_main(void);

#endif /* TORITO_APP_H */
