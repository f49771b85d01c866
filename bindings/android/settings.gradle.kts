// The ringfence Android library (AAR) as a build of its own: `gradle assembleRelease`
// here, or included by an app's build (see android-sample/settings.gradle.kts).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        // Keep in step with android-sample/settings.gradle.kts (one AGP per composite build).
        id("com.android.library") version "8.7.3"
        id("org.jetbrains.kotlin.android") version "2.1.0"
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "ringfence-android"
