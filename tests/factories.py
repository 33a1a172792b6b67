"""Factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import Role
from hospital.models import Bed, Department, Practitioner, Ward

TEST_PASSWORD = "Test-Passw0rd!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """UserFactory(roles=[Role.CLERK]) puts the user in the role groups."""
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=Role(role).group_name)[0])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试科室{n}")
    insurance_code = factory.Sequence(lambda n: f"610103T{n:03d}")
    category_code = "A03"


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    code = factory.Sequence(lambda n: f"TW{n:03d}")
    name = factory.Sequence(lambda n: f"测试病区{n}")
    department = factory.SubFactory(DepartmentFactory)


class BedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bed

    ward = factory.SubFactory(WardFactory)
    number = factory.Sequence(lambda n: f"{n:02d}")


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    staff_no = factory.Sequence(lambda n: f"TD{n:04d}")
    name = factory.Sequence(lambda n: f"医生{n}")
    kind = Practitioner.Kind.DOCTOR
    title = Practitioner.Title.ATTENDING
    insurance_code = factory.Sequence(lambda n: f"D610103{n:06d}")
    department = factory.SubFactory(DepartmentFactory)
